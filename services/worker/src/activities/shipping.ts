import { Context } from '@temporalio/activity';
import { shippingLedgerSchema } from '@fake-stripe/kernel';
import type { DomainClient, Label, OrderInput } from '@fake-stripe/kernel';
import { callOptions, classify, readLedger, undoEach } from './calls.ts';
import type { CallContext, CompensationResult } from './calls.ts';

export interface ShippingDeps {
  shipping: DomainClient;
  /** The label time the progress heartbeat expects. */
  labelExpectedMs: number;
  /** Client timeout of one label request. */
  labelTimeoutMs: number;
  heartbeatIntervalMs?: number;
}

/** The label, with its progress heartbeat, and cancelling every label the ledger says is live. */
export function shippingActivities(deps: ShippingDeps) {
  const { shipping } = deps;
  return {
    /**
     * Long-running: heartbeats its progress (0→100) while the carrier works. After a worker crash the
     * retry starts from the last heartbeat's progress and repeats the request with the same
     * idempotency key, so the label the carrier already made is replayed, never made twice.
     * Workflow cancellation aborts the request (activity cancellation).
     */
    async createShippingLabel(
      c: CallContext & { address: OrderInput['shippingAddress']; items: OrderInput['items'] },
    ): Promise<{ labelId: string; trackingNumber: string; resumedFrom: number }> {
      const ctx = Context.current();
      const resumedFrom = (ctx.info.heartbeatDetails as { progress?: number } | undefined)?.progress ?? 0;
      const started = Date.now();
      const progress = (): number =>
        Math.min(
          99,
          Math.round(resumedFrom + ((100 - resumedFrom) * (Date.now() - started)) / Math.max(1, deps.labelExpectedMs)),
        );
      ctx.heartbeat({ progress: resumedFrom });
      const beat = setInterval(() => ctx.heartbeat({ progress: progress() }), deps.heartbeatIntervalMs ?? 1_000);
      try {
        const items = c.items.map(({ sku, quantity }) => ({ sku, quantity }));
        const label = await shipping
          .post<Label>(
            '/shipping/create-label',
            { orderId: c.orderId, address: c.address, items },
            callOptions('createShippingLabel', c, undefined, deps.labelTimeoutMs),
          )
          .catch(classify);
        ctx.heartbeat({ progress: 100 });
        return { labelId: label.labelId, trackingNumber: label.trackingNumber, resumedFrom };
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * Cancels every label that is not cancelled: made, or a job still pending. A pending job outlives
     * the label request that a cancel aborted, so it must be stopped here or it becomes a live label;
     * the service cancels it atomically with its completion, so neither can win a race.
     */
    async cancelLabel(c: CallContext): Promise<CompensationResult> {
      const { labels } = await readLedger(shipping, 'shipping', c.orderId, shippingLedgerSchema);
      const live = labels.filter((l) => l.status !== 'cancelled').map((l) => l.labelId);
      return undoEach(shipping, c, 'cancelLabel', { path: '/shipping/cancel', field: 'labelId' }, live, 'cancelled');
    },
  };
}
