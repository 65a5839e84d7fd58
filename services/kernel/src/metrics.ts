import { trace } from '@opentelemetry/api';
import type { Context, Next } from 'koa';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Metrics = ReturnType<typeof createMetrics>;

/** Exemplar labels carrying the active trace id, so a latency bucket links to a trace (OpenMetrics exemplars). */
export function traceExemplar(): Record<string, string> {
  const span = trace.getActiveSpan()?.spanContext();
  return span ? { trace_id: span.traceId } : {};
}

export type OpenMetricsRegistry = Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>;

/** A registry exposed in the OpenMetrics format: only there do histograms carry exemplars. */
export function openMetricsRegistry(): OpenMetricsRegistry {
  const registry = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return registry;
}

/**
 * One registry per service instance (several can share a process in tests), exposed in the
 * OpenMetrics format so histograms carry trace-id exemplars.
 */
export function createMetrics(service: string) {
  const registry = openMetricsRegistry();
  registry.setDefaultLabels({ service });
  // The Node.js runtime and process metrics under prom-client's standard names
  // (process_cpu_user_seconds_total, nodejs_heap_size_used_bytes, ...), which community Node.js
  // dashboards query; ours are named fake_stripe_<thing>_<unit>.
  collectDefaultMetrics({ register: registry });

  const httpRequests = new Counter({
    name: 'fake_stripe_http_requests_total',
    help: 'HTTP requests served, by route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'fake_stripe_http_request_duration_seconds',
    help: 'HTTP request duration, by route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    enableExemplars: true,
    registers: [registry],
  });
  const chaosOutcomes = new Counter({
    name: 'fake_stripe_chaos_outcomes_total',
    help: 'Chaos outcomes drawn (or forced), by operation and outcome',
    labelNames: ['operation', 'outcome', 'forced'] as const,
    registers: [registry],
  });
  const chaosConfigRejected = new Counter({
    name: 'fake_stripe_chaos_config_rejected_total',
    help: 'Chaos configs refused (the last good one stayed in force), by source',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const chaosWeights = new Gauge({
    name: 'fake_stripe_chaos_weight_ratio',
    help: "Configured share (0-1) of each outcome in an operation's mix, from the chaos config in force",
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  });
  const idempotentReplays = new Counter({
    name: 'fake_stripe_idempotent_replays_total',
    help: 'Requests answered from the idempotency store',
    labelNames: ['route'] as const,
    registers: [registry],
  });

  /** RED metrics per matched route; unmatched paths are one `unmatched` label. */
  async function middleware(ctx: Context, next: Next): Promise<void> {
    const end = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      const labels = { method: ctx.method, route: String(route), status: String(ctx.status) };
      httpRequests.inc(labels);
      httpDuration.observe({
        labels,
        value: Number(process.hrtime.bigint() - end) / 1e9,
        exemplarLabels: traceExemplar(),
      });
    }
  }

  return {
    registry,
    httpRequests,
    httpDuration,
    chaosOutcomes,
    chaosConfigRejected,
    chaosWeights,
    idempotentReplays,
    middleware,
  };
}
