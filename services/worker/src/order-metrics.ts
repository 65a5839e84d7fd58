/**
 * Fulfilment time in the worker's own Prometheus registry (its `/metrics`, beside the Node.js
 * runtime metrics), fed by the order workflow's `orderMetrics` sink. The workflow's metric meter
 * would export it through the SDK's endpoint, which writes no exemplars; here each observation
 * carries the order's trace id, so a slow bucket on the Orders dashboard links to that order's trace.
 */
import { Histogram } from 'prom-client';
import type { InjectedSinks } from '@temporalio/worker';
import type { OpenMetricsRegistry } from '@fake-stripe/kernel';
import type { OrderMetricsSinks } from '@fake-stripe/kernel/workflow-definitions';

/** From a fast order (a fraction of a second) to one that waited for a manager or an operator. */
const BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];

export function orderMetricsSinks(registry: OpenMetricsRegistry): InjectedSinks<OrderMetricsSinks> {
  const duration = new Histogram({
    name: 'fake_stripe_order_duration_seconds',
    help: 'Order start to final status, by final status (exemplar: the order trace id)',
    labelNames: ['status'] as const,
    buckets: BUCKETS,
    enableExemplars: true,
    registers: [registry],
  });
  return {
    orderMetrics: {
      finished: {
        fn: (_info, status, seconds, traceId) => {
          // The histogram's exemplar labels are typed as its own labels; a trace id is not one of them.
          const exemplarLabels: Record<string, string> = traceId ? { trace_id: traceId } : {};
          duration.observe({ labels: { status }, value: seconds, exemplarLabels });
        },
      },
    },
  };
}
