/**
 * OpenTelemetry preload: `node --import @fake-stripe/kernel/telemetry src/main.ts`.
 * It must run before koa is loaded (instrumentation patches modules as they load), so application
 * code never imports it. Traces always get real ids (logs and W3C propagation need them); they are
 * exported over OTLP/HTTP (JSON) only when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is
 * set. Spans: koa route spans, HTTP client spans of fetch (ky: the domain calls), and, through the
 * span relay, the worker's workflow spans. The HTTP server span of each request is the kernel's own
 * (`serverSpan` in middlewares.ts), which uses the tracer provider set up here.
 *
 * For measuring what tracing costs (docs/performance.md), the standard switches are honoured:
 * OTEL_SDK_DISABLED=true loads none of it (no trace ids in logs, no traceparent sent), and
 * OTEL_NODE_DISABLED_INSTRUMENTATIONS (a comma list of `koa`, `undici`) leaves those out.
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  getBooleanFromEnv,
  getNumberFromEnv,
  getStringListFromEnv,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { KoaInstrumentation, KoaLayerType } from '@opentelemetry/instrumentation-koa';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { setSpanRelay } from './span-relay.ts';

// The service name, unless configured: `services/<name>/src/...` of the main script.
process.env.OTEL_SERVICE_NAME ||= /services\/([^/]+)\/src\//.exec(process.argv[1] ?? '')?.[1] ?? 'fake-stripe';

if (!getBooleanFromEnv('OTEL_SDK_DISABLED'))
  start(new Set(getStringListFromEnv('OTEL_NODE_DISABLED_INSTRUMENTATIONS')));

function start(disabled: Set<string>): void {
  // No ESM loader hook: the instrumented modules load through require, which the instrumentations
  // patch in place (koa: service.ts; undici is Node's own). The hook (import-in-the-middle)
  // ran a loader thread in every process: ~19 MB of memory and ~0.5 s of start, each.

  // Metrics are prom-client's (/metrics); OTel exports traces only.
  process.env.OTEL_METRICS_EXPORTER ||= 'none';
  process.env.OTEL_LOGS_EXPORTER ||= 'none';

  const exporting = Boolean(
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim(),
  );

  // The resource and the span processor are made here because the worker's workflow spans (made in
  // the workflow sandbox) must join the same pipeline with the same resource: the span relay hands
  // both to the worker. The detectors are the ones the OpenTelemetry Node SDK uses by default.
  const resource = defaultResource().merge(
    detectResources({ detectors: [serviceInstanceIdDetector, processDetector, hostDetector, osDetector, envDetector] }),
  );
  // A hand-made BatchSpanProcessor does not read OTEL_BSP_* itself (the SDK does, for the
  // processor it builds): read them here, so the schedule delay and queue sizes stay configurable.
  const processor = exporting
    ? new BatchSpanProcessor({
        exporter: new OTLPTraceExporter(),
        maxQueueSize: getNumberFromEnv('OTEL_BSP_MAX_QUEUE_SIZE'),
        maxExportBatchSize: getNumberFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
        scheduledDelayMillis: getNumberFromEnv('OTEL_BSP_SCHEDULE_DELAY'),
        exportTimeoutMillis: getNumberFromEnv('OTEL_BSP_EXPORT_TIMEOUT'),
      })
    : // Keeps spans (and so trace ids in logs and traceparent headers) without exporting them.
      new NoopSpanProcessor();

  // A tracer provider, W3C propagation and the context manager, set up by hand rather than through the
  // Node SDK package, which loads every exporter and the metrics and logs SDKs we do not use: about
  // 50 MB of resident memory in each of the eight processes.
  const provider = new TracerProvider({ resource, spanProcessors: [processor] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Route spans only: a span per koa middleware layer costs more than it tells.
      !disabled.has('koa') && new KoaInstrumentation({ ignoreLayersType: [KoaLayerType.MIDDLEWARE] }),
      // fetch (ky's transport): a client span per domain call, and its traceparent header.
      !disabled.has('undici') && new UndiciInstrumentation(),
    ].filter((i) => i !== false),
  });
  setSpanRelay({ resource, processor });

  const shutdown = (): void => {
    provider.shutdown().catch(() => undefined);
  };
  process.once('beforeExit', shutdown);
  process.once('SIGTERM', shutdown);
}
