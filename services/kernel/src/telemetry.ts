/**
 * OpenTelemetry preload: `node --import @fake-stripe/kernel/telemetry src/main.ts`.
 * It must run before koa is loaded (instrumentation patches modules as they load), so application
 * code never imports it. Traces always get real ids (logs and W3C propagation need them); they are
 * exported over OTLP/HTTP only when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set.
 */
import { register } from 'node:module';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation, KoaLayerType } from '@opentelemetry/instrumentation-koa';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';

// ESM modules (koa is loaded as ESM by our code) are only patchable through the loader hook.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

// The service name, unless configured: `services/<name>/src/...` of the main script.
process.env.OTEL_SERVICE_NAME ||= /services\/([^/]+)\/src\//.exec(process.argv[1] ?? '')?.[1] ?? 'fake-stripe';

// Metrics are prom-client's (/metrics); OTel exports traces only.
process.env.OTEL_METRICS_EXPORTER ||= 'none';
process.env.OTEL_LOGS_EXPORTER ||= 'none';

const exporting = Boolean(
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim(),
);

/** Keeps spans (and so trace ids in logs and traceparent headers) without exporting them. */
const keepOnly: SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

const sdk = new NodeSDK({
  // With `traceExporter` the SDK builds the BatchSpanProcessor itself and honours OTEL_BSP_*
  // (schedule delay, queue size); a hand-made `new BatchSpanProcessor({ exporter })` ignores them.
  ...(exporting ? { traceExporter: new OTLPTraceExporter() } : { spanProcessors: [keepOnly] }),
  instrumentations: [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => req.url === '/health' || req.url === '/metrics',
    }),
    // Route spans only: a span per koa middleware layer costs more than it tells.
    new KoaInstrumentation({ ignoreLayersType: [KoaLayerType.MIDDLEWARE] }),
  ],
});
sdk.start();

const shutdown = (): void => {
  sdk.shutdown().catch(() => undefined);
};
process.once('beforeExit', shutdown);
process.once('SIGTERM', shutdown);
