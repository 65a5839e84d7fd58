/**
 * `fake_stripe_orders_in_status{status}`: how many orders are in each visibility status now, counted
 * through Temporal visibility (the OrderStatus search attribute, which the workflow upserts when its
 * visibility status changes) each time Prometheus scrapes the API.
 *
 * Why visibility, not the workflow's metric meter: the meter has counters, histograms and gauges kept
 * per worker process, so "orders in status X" would be +1/−1 transitions summed over workers; a worker
 * restart loses its running sums while its orders go on (another worker replays them, and the SDK
 * drops workflow metrics during replay), and the numbers drift for good. Visibility is the server's
 * own record: right after any restart, with any number of workers, and the same source as
 * `GET /api/v1/orders?status=`. The cost is one count query per status per scrape (SQL visibility,
 * the dev server's, cannot GROUP BY a custom attribute), bounded by a short deadline, and visibility's
 * lag behind the workflow (about a second). Labels: the visibility statuses only. Every API replica reports
 * the same numbers: dashboards take `max by (status)`, not a sum.
 */
import { isTerminal, logger, visibilityStatuses } from '@fake-stripe/kernel';
import type { Metrics, VisibilityStatus } from '@fake-stripe/kernel';
import { ORDER_WORKFLOW } from '@fake-stripe/kernel/workflow-definitions';
import { Gauge } from 'prom-client';
import { orderStatusClause } from './order-list.ts';
import type { Temporal } from './temporal.ts';

/** A scrape must not hang on a Temporal that does not answer: past this, the gauge has no series. */
const COUNT_DEADLINE_MS = 2_000;

/** The visibility query of the orders in `status` now: open ones unless it is a final status. */
export function statusQuery(status: VisibilityStatus): string {
  const open = isTerminal(status) ? '' : ` AND ExecutionStatus = 'Running'`;
  return `WorkflowType = '${ORDER_WORKFLOW}' AND ${orderStatusClause(status)}${open}`;
}

/**
 * Registers the gauge. `settle()` resolves once no count is in flight: the API awaits it before it
 * closes its Temporal connection, since a count the client is still retrying would otherwise fire on
 * a closed channel ("Channel has been shut down", thrown from a timer).
 */
export function registerOrderStatusGauge(t: Temporal, metrics: Metrics): { settle: () => Promise<void> } {
  const log = logger.child({ module: 'order-status-gauge' });
  const inFlight = new Set<Promise<unknown>>();
  new Gauge({
    name: 'fake_stripe_orders_in_status',
    help: 'Orders in each visibility status now (open orders; final statuses within the namespace retention), from Temporal visibility at scrape time',
    labelNames: ['status'] as const,
    registers: [metrics.registry],
    async collect() {
      try {
        // Every count is tracked on its own: Promise.all rejects at the first failure while the
        // other counts may still be retrying.
        const counts = await t.client.withDeadline(Date.now() + COUNT_DEADLINE_MS, () =>
          Promise.all(
            visibilityStatuses.map((status) => {
              const counting = t.client.workflow.count(statusQuery(status));
              inFlight.add(counting);
              void counting.then(
                () => inFlight.delete(counting),
                () => inFlight.delete(counting),
              );
              return counting.then(({ count }) => [status, count] as const);
            }),
          ),
        );
        for (const [status, count] of counts) this.set({ status }, count);
      } catch (err) {
        // No numbers rather than stale ones: the panel shows "no data" while Temporal is away.
        this.reset();
        log.warn({ err: (err as Error).message }, 'orders per status not counted: Temporal visibility did not answer');
      }
    },
  });
  return { settle: () => Promise.allSettled([...inFlight]).then(() => undefined) };
}
