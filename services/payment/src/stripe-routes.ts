import { badRequest, defineRoute, notFound } from '@fake-stripe/kernel';
import type { OperationSpec, Route, RouteInput } from '@fake-stripe/kernel';
import { z } from 'zod';
import { checkRefund } from './domain.ts';
import type { PaymentStore } from './store.ts';
import {
  cancelPaymentIntentParams,
  capturePaymentIntentParams,
  createCustomerParams,
  createPaymentIntentParams,
  createRefundParams,
  customerPath,
  customerSchema,
  eventListSchema,
  eventPath,
  eventSchema,
  listParams,
  paymentIntentSchema,
  piPath,
  refundObjectSchema,
  refundPath,
} from './stripe-objects.ts';
import type { Charge, EventType, PaymentIntent, PaymentIntentStatus } from './stripe-objects.ts';
import { chargeIdOf, written } from './stripe-store.ts';
import type { StripeStore } from './stripe-store.ts';
import { cardError, declineOf } from './test-cards.ts';
import { deliveryListSchema, deliverySchema } from './webhook-outbox.ts';
import type { WebhookOutbox } from './webhook-outbox.ts';

/**
 * The `/v1/` operations' chaos. A PaymentIntent's create, capture and cancel and a refund draw from the
 * same operations as `/payment/authorize|capture|release|refund`: one chaos document drives both APIs
 * (and the saga, whichever it calls). Customers have their own.
 */
export const stripeChaos: Record<string, OperationSpec> = {
  customer: { weights: { success: 95, rate_limited: 5 } },
};

export interface StripeDeps {
  ledger: PaymentStore;
  stripe: StripeStore;
  outbox: WebhookOutbox;
  /** Wakes the webhook dispatcher once a transaction that recorded events has committed. */
  kick: () => void;
}

/** Every `/v1/` route: authenticated by the secret key (stripe-http.ts), never by the service token. */
const v1 = { security: ['stripe' as const], service: false, tags: ['stripe'] };
const form = { ...v1, form: true };

export function stripeRoutes({ ledger, stripe, outbox, kick }: StripeDeps): Route[] {
  /** Records an event in the outbox, in the handler's transaction, and wakes the dispatcher. */
  const emit = (ctx: RouteInput<unknown, unknown>['ctx'], type: EventType, object: PaymentIntent | Charge): void => {
    const requestId = typeof ctx.state.requestId === 'string' ? ctx.state.requestId : null;
    outbox.record(type, object, { requestId, idempotencyKey: ctx.get('idempotency-key') || null });
    kick();
  };
  const confirmed = (id: string): PaymentIntent => written(stripe.paymentIntent(id), id);
  const intentOr404 = (id: string): PaymentIntent => {
    const intent = stripe.paymentIntent(id);
    if (!intent) throw notFound(`No such payment_intent: '${id}'`, 'id');
    return intent;
  };
  const unexpectedState = (action: string, intent: PaymentIntent) =>
    badRequest(
      'payment_intent_unexpected_state',
      `This PaymentIntent could not be ${action} because it has a status of ${intent.status}.`,
    );
  const requireStatus = (intent: PaymentIntent, action: string, allowed: PaymentIntentStatus[]): void => {
    if (!allowed.includes(intent.status)) throw unexpectedState(action, intent);
  };

  return [
    defineRoute({
      ...form,
      method: 'post',
      path: '/v1/customers',
      operationId: 'createCustomer',
      summary: 'Create a customer (Stripe)',
      chaos: 'customer',
      body: createCustomerParams,
      response: customerSchema,
      handler: ({ body }) => stripe.createCustomer(body),
    }),
    defineRoute({
      ...v1,
      method: 'get',
      path: '/v1/customers/:id',
      operationId: 'retrieveCustomer',
      summary: 'Retrieve a customer (Stripe)',
      params: customerPath,
      response: customerSchema,
      errors: { 404: 'No such customer' },
      handler: ({ params }) => {
        const customer = stripe.customer(params.id);
        if (!customer) throw notFound(`No such customer: '${params.id}'`, 'id');
        return customer;
      },
    }),
    defineRoute({
      ...form,
      method: 'post',
      path: '/v1/payment_intents',
      operationId: 'createPaymentIntent',
      summary: 'Create (and with confirm=true, confirm) a PaymentIntent (Stripe)',
      description:
        'With confirm=true the test card decides: pm_card_visa holds the amount (requires_capture with ' +
        'capture_method=manual, else captured: succeeded); a declining test card declines (402) every ' +
        'time, before chaos, and leaves the PaymentIntent in requires_payment_method.',
      chaos: 'authorize',
      chaosExempt: ({ body }) => body.confirm && declineOf(body.payment_method) !== undefined,
      body: createPaymentIntentParams,
      response: paymentIntentSchema,
      errors: { 402: 'Declined (card_error)', 404: 'No such customer' },
      handler: ({ body, ctx }) => {
        if (body.customer !== undefined && !stripe.customer(body.customer))
          throw notFound(`No such customer: '${body.customer}'`, 'customer');
        const card = body.payment_method;
        if (!body.confirm) return stripe.createIntent(body, card ? 'requires_confirmation' : 'requires_payment_method');
        if (card === undefined)
          throw badRequest(
            'payment_intent_unexpected_state',
            'You cannot confirm this PaymentIntent because it is missing a payment method.',
            'payment_method',
          );
        const decline = declineOf(card);
        if (decline) {
          const failed = stripe.createIntent(body, 'requires_payment_method', {
            type: 'card_error',
            code: decline.code,
            decline_code: decline.declineCode,
            message: decline.message,
          });
          emit(ctx, 'payment_intent.payment_failed', failed);
          throw cardError(decline, true); // the failed PaymentIntent and its event stand
        }
        const intent = stripe.createIntent(body, 'requires_confirmation');
        const hold = ledger.createHold(
          {
            orderId: body.metadata.order_id ?? intent.id,
            customerId: body.customer ?? body.metadata.customer_id ?? '',
            amount: body.amount,
            currency: body.currency,
          },
          intent.id,
        );
        if (body.capture_method === 'manual') {
          emit(ctx, 'payment_intent.amount_capturable_updated', confirmed(intent.id));
        } else {
          ledger.createCapture(hold, hold.amount, chargeIdOf(intent.id));
          emit(ctx, 'payment_intent.succeeded', confirmed(intent.id));
        }
        return confirmed(intent.id);
      },
    }),
    defineRoute({
      ...v1,
      method: 'get',
      path: '/v1/payment_intents/:id',
      operationId: 'retrievePaymentIntent',
      summary: 'Retrieve a PaymentIntent (Stripe); its status follows the ledger',
      params: piPath,
      response: paymentIntentSchema,
      errors: { 404: 'No such payment_intent' },
      handler: ({ params }) => intentOr404(params.id),
    }),
    defineRoute({
      ...form,
      method: 'post',
      path: '/v1/payment_intents/:id/capture',
      operationId: 'capturePaymentIntent',
      summary: 'Capture a requires_capture PaymentIntent, all or amount_to_capture of it (Stripe)',
      chaos: 'capture',
      params: piPath,
      body: capturePaymentIntentParams,
      response: paymentIntentSchema,
      errors: { 404: 'No such payment_intent' },
      handler: ({ params, body, ctx }) => {
        const intent = intentOr404(params.id);
        requireStatus(intent, 'captured', ['requires_capture']);
        const amount = body.amount_to_capture ?? intent.amount_capturable;
        if (amount > intent.amount_capturable)
          throw badRequest(
            'amount_too_large',
            `amount_to_capture (${amount}) is more than the amount capturable (${intent.amount_capturable}).`,
            'amount_to_capture',
          );
        ledger.createCapture(written(ledger.hold(intent.id), intent.id), amount, chargeIdOf(intent.id));
        const captured = confirmed(intent.id);
        emit(ctx, 'payment_intent.succeeded', captured);
        return captured;
      },
    }),
    defineRoute({
      ...form,
      method: 'post',
      path: '/v1/payment_intents/:id/cancel',
      operationId: 'cancelPaymentIntent',
      summary: 'Cancel a PaymentIntent that was not captured; its hold is released (Stripe)',
      chaos: 'release',
      params: piPath,
      body: cancelPaymentIntentParams,
      response: paymentIntentSchema,
      errors: { 404: 'No such payment_intent' },
      handler: ({ params, body, ctx }) => {
        const intent = intentOr404(params.id);
        requireStatus(intent, 'canceled', ['requires_payment_method', 'requires_confirmation', 'requires_capture']);
        const canceled = stripe.cancelIntent(intent, body.cancellation_reason ?? null);
        emit(ctx, 'payment_intent.canceled', canceled);
        return canceled;
      },
    }),
    defineRoute({
      ...form,
      method: 'post',
      path: '/v1/refunds',
      operationId: 'createRefund',
      summary: "Refund a PaymentIntent's (or a charge's) capture, at most its amount, once (Stripe)",
      chaos: 'refund',
      body: createRefundParams,
      response: refundObjectSchema,
      errors: { 404: 'No such payment_intent or charge' },
      handler: ({ body, ctx }) => {
        let chargeId: string;
        if ('payment_intent' in body) {
          const intent = stripe.paymentIntent(body.payment_intent);
          if (!intent) throw notFound(`No such payment_intent: '${body.payment_intent}'`, 'payment_intent');
          if (intent.status !== 'succeeded') throw unexpectedState('refunded', intent);
          chargeId = chargeIdOf(intent.id);
        } else chargeId = body.charge;
        const capture = ledger.capture(chargeId);
        if (!capture) throw notFound(`No such charge: '${chargeId}'`, 'charge');
        const checked = checkRefund(capture, ledger.refundOf(capture.captureId), body.amount);
        const refund = ledger.createRefund(checked.capture, checked.amount);
        emit(ctx, 'charge.refunded', written(stripe.charge(capture.captureId), capture.captureId));
        return written(stripe.refund(refund.refundId), refund.refundId);
      },
    }),
    defineRoute({
      ...v1,
      method: 'get',
      path: '/v1/refunds/:id',
      operationId: 'retrieveRefund',
      summary: 'Retrieve a refund (Stripe)',
      params: refundPath,
      response: refundObjectSchema,
      errors: { 404: 'No such refund' },
      handler: ({ params }) => {
        const refund = stripe.refund(params.id);
        if (!refund) throw notFound(`No such refund: '${params.id}'`, 'id');
        return refund;
      },
    }),
    defineRoute({
      ...v1,
      method: 'get',
      path: '/v1/events',
      operationId: 'listEvents',
      summary: 'The newest events, newest first (Stripe)',
      query: listParams,
      response: eventListSchema,
      handler: ({ query }) => {
        const events = outbox.events(query.limit + 1, query.type);
        return {
          object: 'list' as const,
          data: events.slice(0, query.limit),
          has_more: events.length > query.limit,
          url: '/v1/events',
        };
      },
    }),
    defineRoute({
      ...v1,
      method: 'get',
      path: '/v1/events/:id',
      operationId: 'retrieveEvent',
      summary: 'Retrieve an event (Stripe)',
      params: eventPath,
      response: eventSchema,
      errors: { 404: 'No such event' },
      handler: ({ params }) => {
        const event = outbox.event(params.id);
        if (!event) throw notFound(`No such event: '${params.id}'`, 'id');
        return event;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/payment/webhooks',
      operationId: 'listWebhookDeliveries',
      summary: "Webhook deliveries, newest event first: each endpoint's status, attempts and last answer",
      query: z
        .object({ eventId: eventPath.shape.id.optional(), status: deliverySchema.shape.status.optional() })
        .strict(),
      service: true,
      response: deliveryListSchema,
      handler: ({ query }) => ({ deliveries: outbox.deliveries(query.eventId, query.status) }),
    }),
    defineRoute({
      method: 'post',
      path: '/payment/webhooks/:id/resend',
      operationId: 'resendWebhookEvent',
      summary: 'Queue an event again for every endpoint subscribed to it',
      params: eventPath,
      admin: true,
      response: deliveryListSchema,
      errors: { 404: 'No such event' },
      handler: ({ params }) => {
        const event = outbox.event(params.id);
        if (!event) throw notFound(`No such event: '${params.id}'`, 'id');
        const deliveries = outbox.resend(event);
        kick();
        return { deliveries };
      },
    }),
  ];
}
