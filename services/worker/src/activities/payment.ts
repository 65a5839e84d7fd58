import { paymentLedgerSchema } from '@fake-stripe/kernel';
import type { Capture, DomainClient, Hold } from '@fake-stripe/kernel';
import { callOptions, classify, readLedger, undoEach } from './calls.ts';
import type { CallContext, CompensationResult } from './calls.ts';

/** The payment steps of the order saga and of paymentWorkflow, and their compensations. */
export function paymentActivities({ payment }: { payment: DomainClient }) {
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

    // Compensations (here and in the other domains' activities) ask the ledger what really happened (a timed-out step may have happened) and
    // undo exactly that. Every answer that is not a success is retried (plain errors): a chaos
    // "already refunded" that the ledger contradicts must not end the compensation. Their keys carry
    // the attempt so a retry is not answered from a stored refusal; the ledger rules (one refund per
    // capture, release and cancel once) are what make a repeat harmless.

    async refundPayment(c: CallContext): Promise<CompensationResult> {
      const { captures, refunds } = await readLedger(payment, 'payment', c.orderId, paymentLedgerSchema);
      const open = captures
        .filter((cap) => !refunds.some((r) => r.captureId === cap.captureId))
        .map((cap) => cap.captureId);
      return undoEach(payment, c, 'refundPayment', { path: '/payment/refund', field: 'captureId' }, open, 'refunded');
    },

    /** Releases holds that are still live; a captured hold is consumed (refunded instead), not released. */
    async releaseAuthorization(c: CallContext): Promise<CompensationResult> {
      const { authorizations } = await readLedger(payment, 'payment', c.orderId, paymentLedgerSchema);
      const live = authorizations.filter((h) => h.status === 'authorized').map((h) => h.authorizationId);
      return undoEach(
        payment,
        c,
        'releaseAuthorization',
        { path: '/payment/release', field: 'authorizationId' },
        live,
        'released',
      );
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
