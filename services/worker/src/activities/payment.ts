import { paymentLedgerSchema } from '@fake-stripe/kernel';
import type { DomainClient } from '@fake-stripe/kernel';
import type Stripe from 'stripe';
import { callOptions, compensationOptions, readLedger } from './calls.ts';
import type { CallContext, CompensationResult } from './calls.ts';
import { classifyStripe, stripeOptions } from './stripe-client.ts';

/**
 * The payment steps of the order saga and of paymentWorkflow, and their compensations, through the
 * official `stripe` SDK against the payment service's `/v1/` API: a hold is a PaymentIntent confirmed
 * with capture_method=manual (its id is the hold's authorizationId), a capture is its capture (the
 * charge's id is the captureId). The ledger (`GET /payment/ledger`) is still read with `payment`, as
 * Stripe has no per-order ledger.
 */
export function paymentActivities({ payment, stripe }: { payment: DomainClient; stripe: Stripe }) {
  /** Confirms a PaymentIntent on the test card that succeeds: chaos alone decides a decline, as before. */
  const hold = (c: CallContext & { customerId: string; amount: number; currency: string }, step?: string) =>
    stripe.paymentIntents
      .create(
        {
          amount: c.amount,
          currency: c.currency,
          payment_method: 'pm_card_visa',
          capture_method: 'manual',
          confirm: true,
          metadata: { order_id: c.orderId, customer_id: c.customerId },
        },
        stripeOptions(callOptions('authorizePayment', c, step)),
      )
      .catch(classifyStripe);
  const capture = async (c: CallContext, authorizationId: string, amount: number | undefined, step?: string) => {
    const intent = await stripe.paymentIntents
      .capture(
        authorizationId,
        amount === undefined ? {} : { amount_to_capture: amount },
        stripeOptions(callOptions('capturePayment', c, step)),
      )
      .catch(classifyStripe);
    if (typeof intent.latest_charge !== 'string') throw new Error(`${intent.id} was captured without a charge id`);
    return intent.latest_charge;
  };

  return {
    async authorizePayment(
      c: CallContext & { customerId: string; amount: number; currency: string },
    ): Promise<{ authorizationId: string }> {
      const intent = await hold(c);
      return { authorizationId: intent.id };
    },

    async capturePayment(c: CallContext & { authorizationId: string; amount: number }): Promise<{ captureId: string }> {
      return { captureId: await capture(c, c.authorizationId, c.amount) };
    },

    // Compensations ask the ledger what really happened (a timed-out step may have happened) and
    // undo exactly that. Every answer that is not a success is retried (plain errors): a chaos
    // "already refunded" that the ledger contradicts must not end the compensation. Their keys carry
    // the attempt so a retry is not answered from a stored refusal; the ledger rules (one refund per
    // capture, release and cancel once) are what make a repeat harmless.

    async refundPayment(c: CallContext): Promise<CompensationResult> {
      const { captures, refunds } = await readLedger(payment, 'payment', c.orderId, paymentLedgerSchema);
      const open = captures
        .filter((cap) => !refunds.some((r) => r.captureId === cap.captureId))
        .map((cap) => cap.captureId);
      for (const id of open) await undo(c, 'refundPayment', id);
      return { outcome: open.length ? 'refunded' : 'nothing_to_do', ids: open };
    },

    /** Cancels PaymentIntents whose hold is still live; a captured one is consumed (refunded instead). */
    async releaseAuthorization(c: CallContext): Promise<CompensationResult> {
      const { authorizations } = await readLedger(payment, 'payment', c.orderId, paymentLedgerSchema);
      const live = authorizations.filter((h) => h.status === 'authorized').map((h) => h.authorizationId);
      for (const id of live) await undo(c, 'releaseAuthorization', id);
      return { outcome: live.length ? 'released' : 'nothing_to_do', ids: live };
    },

    /** paymentWorkflow's charge: a manual-capture PaymentIntent, then its capture, each with its own key. */
    async processPaymentActivity(
      c: CallContext & { customerId: string; amount: number },
    ): Promise<{ authorizationId: string; captureId: string }> {
      const intent = await hold({ ...c, currency: 'usd' }, 'authorize');
      return { authorizationId: intent.id, captureId: await capture(c, intent.id, undefined, 'capture') };
    },
  };

  /**
   * One compensation call: a PaymentIntent (`pi_…`) is canceled and a charge (`ch_…`) refunded through
   * the SDK; a hold or capture made by `/payment/authorize|capture` (before the saga spoke Stripe, or
   * by a REST client) is undone by its own endpoint.
   */
  async function undo(c: CallContext, step: 'refundPayment' | 'releaseAuthorization', id: string): Promise<void> {
    const options = compensationOptions(step, c, id);
    if (step === 'releaseAuthorization' && id.startsWith('pi_'))
      await stripe.paymentIntents.cancel(id, {}, stripeOptions(options));
    else if (step === 'refundPayment' && id.startsWith('ch_'))
      await stripe.refunds.create({ charge: id }, stripeOptions(options));
    else if (step === 'releaseAuthorization') await payment.post('/payment/release', { authorizationId: id }, options);
    else await payment.post('/payment/refund', { captureId: id }, options);
  }
}
