/**
 * One trace through Temporal (@temporalio/interceptors-opentelemetry): the client's StartWorkflow
 * span travels in the workflow's headers to RunWorkflow, each StartActivity to its RunActivity,
 * whose domain calls (fetch client spans) carry it on as `traceparent` to the domains' route spans.
 * Signals and updates the same way (HandleSignal, ValidateUpdate, HandleUpdate); a query's
 * HandleQuery span is gated by an SDK flag that only a workflow task sets, so a query usually has
 * only its client span.
 *
 * The workflow interceptors run in the sandbox with a tracer of their own (ids from the
 * workflow's deterministic randomness) and export their finished spans through the `exporter`
 * sink; here those spans join the process's pipeline through the kernel's span relay.
 */
import { createRequire } from 'node:module';
import { createTraceState, trace } from '@opentelemetry/api';
import type { SpanContext } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { relaySpans } from '@fake-stripe/kernel';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { OpenTelemetrySinks, SerializableSpan } from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, BundleOptions, InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';

const require = createRequire(import.meta.url);

/** The workflow interceptors' module, bundled with the workflows (the bundler needs a file path). */
export const workflowInterceptorModules = [
  require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

type WebpackConfig = Parameters<NonNullable<BundleOptions['webpackConfigHook']>>[0];

/** `config` with more module aliases (`name$`: the bare specifier only). */
export const withAliases = (config: WebpackConfig, aliases: Record<string, string>): WebpackConfig => ({
  ...config,
  resolve: { ...config.resolve, alias: { ...(config.resolve?.alias as Record<string, string>), ...aliases } },
});

/**
 * The sandbox gets one copy of `@opentelemetry/api`: the one the interceptors depend on. They
 * register their tracer and context manager with their copy (1.9); the workflow code's own import
 * would be the project's (1.10), which refuses a global registered by an older minor version, so
 * `trace.getActiveSpan()` in workflow code (the order's trace id for its fulfilment-time exemplar)
 * would see nothing. Every workflow bundle is made with this hook.
 */
const sandboxOtelApi = createRequire(require.resolve('@temporalio/interceptors-opentelemetry')).resolve(
  '@opentelemetry/api',
);
export const oneOtelApi = (config: WebpackConfig): WebpackConfig =>
  withAliases(config, { '@opentelemetry/api$': sandboxOtelApi });

// The span attribute keys of the interceptors (their instrumentation module does not export them).
const WORKFLOW_ID = 'temporalWorkflowId';
const RUN_ID = 'run_id';
const ATTEMPT = 'temporalActivityAttempt';

/**
 * A span made in the sandbox, as this process's SDK expects it. The package's own
 * `makeWorkflowExporter` is typed against, and builds, the OpenTelemetry 1.x SDK's ReadableSpan
 * (`parentSpanId`, `instrumentationLibrary`, a 1.x Resource); the SDK here is 2.x-era
 * (`parentSpanContext`, `instrumentationScope`), whose OTLP exporter reads neither 1.x field: the
 * parent link would be lost and the scope missing. So the serialized span is mapped field by
 * field, and the workflow's id and run id are added as the interceptors name them (not the whole
 * WorkflowInfo, as makeWorkflowExporter does: its objects are no attribute values).
 */
export function readableSpan(span: SerializableSpan, info: WorkflowInfo, resource: Resource): ReadableSpan {
  const { traceState, ...ids } = span.spanContext;
  const spanContext: SpanContext = { ...ids, ...(traceState && { traceState: createTraceState(traceState) }) };
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => spanContext,
    ...(span.parentSpanId && {
      parentSpanContext: { traceId: ids.traceId, spanId: span.parentSpanId, traceFlags: ids.traceFlags },
    }),
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status,
    attributes: { ...span.attributes, [WORKFLOW_ID]: info.workflowId, [RUN_ID]: info.runId },
    links: span.links,
    events: span.events,
    duration: span.duration,
    ended: span.ended,
    resource,
    instrumentationScope: span.instrumentationLibrary,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/**
 * The sink the workflow interceptors export through. Not called on replay (the default): a
 * replayed workflow task re-makes spans that were exported when it first ran.
 */
export const tracingSinks: InjectedSinks<OpenTelemetrySinks> = {
  exporter: {
    export: {
      fn: (info, spans) => {
        relaySpans((resource) => spans.map((span) => readableSpan(span, info, resource)));
      },
    },
  },
};

/**
 * Per activity attempt (runs inside RunActivity: after the OpenTelemetry interceptors): the attempt
 * on the span, and the span's ids on every SDK log line of the attempt, also the worker's
 * "Activity failed" line, which is logged after the span ended (the OpenTelemetry outbound
 * interceptor only sees a span while it is active).
 */
const attemptTracing: ActivityInterceptorsFactory = (ctx) => {
  let span: SpanContext | undefined;
  return {
    inbound: {
      execute: (input, next) => {
        const active = trace.getActiveSpan();
        active?.setAttribute(ATTEMPT, ctx.info.attempt);
        span = active?.spanContext();
        return next(input);
      },
    },
    outbound: {
      getLogAttributes: (input, next) =>
        next(span ? { trace_id: span.traceId, span_id: span.spanId, ...input } : input),
    },
  };
};

/** The activity interceptors: RunActivity spans, trace ids in the SDK's activity logs. */
export const activityInterceptors: NonNullable<WorkerInterceptors['activity']> = [
  (ctx) => ({
    inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
    outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
  }),
  attemptTracing,
];
