import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { AppError } from '@fake-stripe/kernel';
import type {
  CallOptions,
  Capture,
  DomainClient,
  FaultPlan,
  Hold,
  InventoryLedger,
  Label,
  OrderInput,
  PaymentLedger,
  Reservation,
  ShippingLedger,
} from '@fake-stripe/kernel';

export interface ActivityDeps {
  payment: DomainClient;
  inventory: DomainClient;
  shipping: DomainClient;
  notification: DomainClient;
  /** The label time the progress heartbeat expects. */
  labelExpectedMs: number;
  /** Client timeout of one label request. */
  labelTimeoutMs: number;
  heartbeatIntervalMs?: number;
}

/** What every activity gets besides its own fields: where to send correlation and faults. */
export interface CallContext {
  orderId: string;
  correlationId?: string;
  faults?: FaultPlan;
}

export interface CompensationResult {
  outcome: string;
  ids: string[];
}

/**
 * A definitive answer (a decline, out of stock, a bad address, an unknown id) is a non-retryable
 * ApplicationFailure; transient faults (5xx, 429, timeouts, a key still in flight) stay plain errors
 * so Temporal's retry policy retries them with the same idempotency key.
 */
function classify(err: unknown): never {
  if (err instanceof AppError) {
    const transient =
      err.status >= 500 || err.status === 429 || err.status === 408 || err.code === 'idempotency_key_in_flight';
    if (!transient)
      throw ApplicationFailure.create({
        message: err.message,
        type: err.code,
        nonRetryable: true,
        details: [{ status: err.status, type: err.type, code: err.code, declineCode: err.declineCode }],
      });
  }
  throw err;
}

/** Idempotency key of this activity (stable across its retries), optionally per target id. */
function keyOf(suffix?: string): string {
  const info = Context.current().info;
  return [info.workflowExecution?.workflowId ?? info.workflowType, info.activityId, suffix].filter(Boolean).join('/');
}

function callOptions(name: keyof FaultPlan, c: CallContext, suffix?: string, timeoutMs?: number): CallOptions {
  const { info, cancellationSignal } = Context.current();
  const planned = c.faults?.[name]?.[info.attempt - 1];
  return {
    idempotencyKey: keyOf(suffix),
    ...(c.correlationId && { correlationId: c.correlationId }),
    ...(planned && { chaosOutcome: planned }),
    signal: cancellationSignal,
    ...(timeoutMs && { timeoutMs }),
  };
}

function compensationOptions(name: keyof FaultPlan, c: CallContext, target: string): CallOptions {
  return callOptions(name, c, `${target}/${Context.current().info.attempt}`);
}

export function createActivities(deps: ActivityDeps) {
  const { payment, inventory, shipping, notification } = deps;
  const q = (orderId: string): string => `?orderId=${encodeURIComponent(orderId)}`;

  return {
    async authorizePayment(
      c: CallContext & { customerId: string; amount: number; currency: string },
    ): Promise<{ authorizationId: string }> {
      const hold = await payment
        .post<Hold>(
          '/payment/authorize',
          { orderId: c.orderId, customerId: c.customerId, amount: c.amount, currency: c.currency },
          callOptions('authorizePayment', c),
        )
        .catch(classify);
      return { authorizationId: hold.authorizationId };
    },

    async reserveInventory(c: CallContext & { items: OrderInput['items'] }): Promise<{ reservationId: string }> {
      const items = c.items.map(({ sku, quantity }) => ({ sku, quantity }));
      const r = await inventory
        .post<Reservation>('/inventory/reserve', { orderId: c.orderId, items }, callOptions('reserveInventory', c))
        .catch(classify);
      return { reservationId: r.reservationId };
    },

    async capturePayment(c: CallContext & { authorizationId: string; amount: number }): Promise<{ captureId: string }> {
      const cap = await payment
        .post<Capture>(
          '/payment/capture',
          { authorizationId: c.authorizationId, amount: c.amount },
          callOptions('capturePayment', c),
        )
        .catch(classify);
      return { captureId: cap.captureId };
    },

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

    async sendNotification(c: CallContext & { to: string; template: string }): Promise<{ notificationId: string }> {
      const n = await notification
        .post<{ notificationId: string }>(
          '/notification/send',
          { orderId: c.orderId, channel: 'email', to: c.to, template: c.template },
          callOptions('sendNotification', c),
        )
        .catch(classify);
      return { notificationId: n.notificationId };
    },

    // Compensations ask the ledger what really happened (a timed-out step may have happened) and
    // undo exactly that. Every answer that is not a success is retried (plain errors): a chaos
    // "already refunded" that the ledger contradicts must not end the compensation. Their keys carry
    // the attempt so a retry is not answered from a stored refusal; the ledger rules (one refund per
    // capture, release and cancel once) are what make a repeat harmless.

    /**
     * Cancels every label that is not cancelled: made, or a job still pending. A pending job outlives
     * the label request that a cancel aborted, so it must be stopped here or it becomes a live label;
     * the service cancels it atomically with its completion, so neither can win a race.
     */
    async cancelLabel(c: CallContext): Promise<CompensationResult> {
      const { labels } = await shipping.get<ShippingLedger>(`/shipping/ledger${q(c.orderId)}`);
      const live = labels.filter((l) => l.status !== 'cancelled');
      for (const l of live)
        await shipping.post(
          '/shipping/cancel',
          { labelId: l.labelId },
          compensationOptions('cancelLabel', c, l.labelId),
        );
      return { outcome: live.length ? 'cancelled' : 'nothing_to_do', ids: live.map((l) => l.labelId) };
    },

    async refundPayment(c: CallContext): Promise<CompensationResult> {
      const { captures, refunds } = await payment.get<PaymentLedger>(`/payment/ledger${q(c.orderId)}`);
      const open = captures.filter((cap) => !refunds.some((r) => r.captureId === cap.captureId));
      for (const cap of open)
        await payment.post(
          '/payment/refund',
          { captureId: cap.captureId },
          compensationOptions('refundPayment', c, cap.captureId),
        );
      return { outcome: open.length ? 'refunded' : 'nothing_to_do', ids: open.map((cap) => cap.captureId) };
    },

    async releaseInventory(c: CallContext): Promise<CompensationResult> {
      const { reservations } = await inventory.get<InventoryLedger>(`/inventory/ledger${q(c.orderId)}`);
      const live = reservations.filter((r) => r.status === 'reserved');
      for (const r of live)
        await inventory.post(
          '/inventory/release',
          { reservationId: r.reservationId },
          compensationOptions('releaseInventory', c, r.reservationId),
        );
      return { outcome: live.length ? 'released' : 'nothing_to_do', ids: live.map((r) => r.reservationId) };
    },

    /** Releases holds that are still live; a captured hold is consumed (refunded instead), not released. */
    async releaseAuthorization(c: CallContext): Promise<CompensationResult> {
      const { authorizations } = await payment.get<PaymentLedger>(`/payment/ledger${q(c.orderId)}`);
      const live = authorizations.filter((h) => h.status === 'authorized');
      for (const h of live)
        await payment.post(
          '/payment/release',
          { authorizationId: h.authorizationId },
          compensationOptions('releaseAuthorization', c, h.authorizationId),
        );
      return { outcome: live.length ? 'released' : 'nothing_to_do', ids: live.map((h) => h.authorizationId) };
    },

    /** paymentWorkflow's charge: authorize then capture, each with its own idempotency key. */
    async processPaymentActivity(
      c: CallContext & { customerId: string; amount: number },
    ): Promise<{ authorizationId: string; captureId: string }> {
      const hold = await payment
        .post<Hold>(
          '/payment/authorize',
          { orderId: c.orderId, customerId: c.customerId, amount: c.amount, currency: 'usd' },
          callOptions('authorizePayment', c, 'authorize'),
        )
        .catch(classify);
      const cap = await payment
        .post<Capture>(
          '/payment/capture',
          { authorizationId: hold.authorizationId },
          callOptions('capturePayment', c, 'capture'),
        )
        .catch(classify);
      return { authorizationId: hold.authorizationId, captureId: cap.captureId };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
