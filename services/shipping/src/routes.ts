import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, defineRoute, orderQuerySchema } from '@fake-stripe/kernel';
import type { OperationSpec, Route } from '@fake-stripe/kernel';
import type { Context, Middleware } from 'koa';
import { checkCancel, remainingMs } from './domain.ts';
import type { Label } from './domain.ts';
import { cancelBody, createLabelBody, labelSchema, ledgerSchema } from './schemas.ts';
import type { ShippingStore } from './store.ts';

const CREATE_LABEL = '/shipping/create-label';

/**
 * Label creation is long-running: ~20 s (19–21 s), as carriers' label APIs can be. The drawn
 * latency is the label job's time: the job is stored at once and runs whether or not its caller
 * stays connected (`ownsLatency`). An address error is answered at once: the carrier checks the
 * address before it starts a label.
 */
export const shippingChaos: Record<string, OperationSpec> = {
  createLabel: {
    weights: { success: 60, address_error: 20, timeout: 20 },
    latency: { baseMs: 19_000, jitterMs: 2_000 },
    businessErrors: {
      address_error: () =>
        new AppError({
          type: 'invalid_request_error',
          code: 'address_invalid',
          status: 422,
          message: 'The carrier could not validate the shipping address.',
          param: 'address',
        }),
    },
  },
  cancel: { weights: { success: 90, timeout: 10 } },
};

/** The label time drawn for this request by the chaos pipeline. */
const labelTime = (ctx: Context): number => (ctx.state.chaos as { latencyMs?: number } | undefined)?.latencyMs ?? 0;

export function shippingRoutes(store: ShippingStore): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: CREATE_LABEL,
      operationId: 'createLabel',
      summary: 'Create a shipping label (long-running: ~20 s by default)',
      description:
        'Starts a label job and answers once the label is ready. The job is stored when the request ' +
        'arrives and keeps running if the caller hangs up or the service restarts: a repeat with the ' +
        'same Idempotency-Key attaches to it and waits only for the time that remains.',
      chaos: 'createLabel',
      ownsLatency: true,
      status: 201,
      body: createLabelBody,
      response: labelSchema,
      errors: { 422: 'Address rejected by the carrier' },
      handler: ({ body, ctx }) => store.create(body.orderId, body.address, body.items, labelTime(ctx)),
    }),
    defineRoute({
      method: 'post',
      path: '/shipping/cancel',
      operationId: 'cancelLabel',
      summary: 'Cancel a label or a label job still pending (idempotent)',
      chaos: 'cancel',
      body: cancelBody,
      response: labelSchema,
      errors: { 404: 'Unknown label' },
      handler: ({ body }) => store.cancel(checkCancel(store.label(body.labelId))),
    }),
    defineRoute({
      method: 'get',
      path: '/shipping/ledger',
      operationId: 'getShippingLedger',
      summary: 'Every label of an order, pending jobs included (for the auditor and compensations)',
      query: orderQuerySchema,
      service: true,
      response: ledgerSchema,
      handler: ({ query }) => store.ledger(query.orderId),
    }),
  ];
}

/** Resolves true when the caller hangs up within `ms`, false when the time passes first. */
async function callerLeavesWithin(ctx: Context, ms: number): Promise<boolean> {
  if (ctx.req.socket.destroyed || ctx.res.destroyed) return true;
  const gone = new AbortController();
  const onClose = (): void => gone.abort();
  ctx.res.once('close', onClose);
  try {
    await sleep(ms, undefined, { signal: gone.signal });
    return false;
  } catch {
    return true;
  } finally {
    ctx.res.off('close', onClose);
  }
}

/**
 * A label answer (a new job, or the stored answer a repeat of its Idempotency-Key replays) goes out
 * when the label is ready, as it is then; a caller that hangs up first leaves the job running.
 */
export function answerWhenReady(store: ShippingStore): Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.method !== 'POST' || ctx.path !== CREATE_LABEL || ctx.status !== 201) return;
    let label = ctx.body as Label;
    for (let wait = remainingMs(label); wait !== undefined; wait = remainingMs(label)) {
      if (await callerLeavesWithin(ctx, wait)) {
        ctx.respond = false;
        return;
      }
      label = store.stored(label.labelId);
    }
    ctx.body = label;
  };
}
