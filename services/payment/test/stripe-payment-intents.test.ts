/**
 * The official `stripe` SDK as the client of the payment service's `/v1/` API: PaymentIntents with
 * manual capture, partial capture, cancel, refunds, Stripe's test cards, idempotency, a chaos 429, and
 * the SDK's TypeScript types over our objects (this file type-checks only if they agree).
 */
import Stripe from 'stripe';
import type { z } from 'zod';
import { customerSchema, paymentIntentSchema, refundObjectSchema } from '../src/stripe-objects.ts';
import type { PaymentIntent, RefundObject } from '../src/stripe-objects.ts';
import { startPayment } from './support.ts';
import type { Payment } from './support.ts';
import { SECRET_KEY, confirmParams, stripeAt } from './stripe-support.ts';

/**
 * Compile-time proof that our objects are Stripe's: every field we answer exists in the SDK's type
 * with a compatible type (`Pick` refuses a key Stripe does not have; the return, a wrong field type).
 */
const asStripeIntent = (pi: PaymentIntent): Pick<Stripe.PaymentIntent, keyof PaymentIntent> => pi;
const asStripeRefund = (re: RefundObject): Pick<Stripe.Refund, keyof RefundObject> => re;
type OurCustomer = z.infer<typeof customerSchema>;
const asStripeCustomer = (c: OurCustomer): Pick<Stripe.Customer, keyof OurCustomer> => c;

let svc: Payment;
let stripe: Stripe;

beforeAll(async () => {
  svc = await startPayment({ chaos: { profile: 'off', timeoutMs: 50 } });
  stripe = stripeAt(svc.url);
});
afterAll(() => svc?.close());

describe('PaymentIntents through the stripe SDK', () => {
  it('holds with capture_method=manual, then captures: requires_capture → succeeded, in the ledger', async () => {
    const created: Stripe.Response<Stripe.PaymentIntent> = await stripe.paymentIntents.create(
      confirmParams({ metadata: { order_id: 'ORD-SDK-1', 'note.with.dots': 'kept' } }),
    );
    expect(created).toMatchObject({
      object: 'payment_intent',
      status: 'requires_capture',
      amount: 2000,
      amount_capturable: 2000,
      amount_received: 0,
      capture_method: 'manual',
      metadata: { order_id: 'ORD-SDK-1', 'note.with.dots': 'kept' },
    });
    expect(created.id).toMatch(/^pi_/);
    expect(created.lastResponse.requestId).toMatch(/^req_/);
    // At run time our schema reads what the SDK returned; at compile time the SDK's type takes ours.
    expect(asStripeIntent(paymentIntentSchema.parse(created)).id).toBe(created.id);

    expect((await stripe.paymentIntents.retrieve(created.id)).status).toBe('requires_capture');
    const captured = await stripe.paymentIntents.capture(created.id);
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 2000, amount_capturable: 0 });
    expect(captured.latest_charge).toMatch(/^ch_/);

    const ledger = await svc.ledger('ORD-SDK-1');
    expect(ledger.authorizations).toEqual([
      expect.objectContaining({ authorizationId: created.id, amount: 2000, status: 'captured' }),
    ]);
    expect(ledger.captures).toEqual([
      expect.objectContaining({ captureId: captured.latest_charge, authorizationId: created.id, amount: 2000 }),
    ]);
  });

  it('captures part of a hold with amount_to_capture, and refuses a second capture', async () => {
    const pi = await stripe.paymentIntents.create(confirmParams({ amount: 5000 }));
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1500 });
    expect(captured).toMatchObject({ status: 'succeeded', amount: 5000, amount_received: 1500 });
    const again = await stripe.paymentIntents.capture(pi.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(again).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
  });

  it('refuses to capture more than the hold, naming amount_to_capture', async () => {
    const pi = await stripe.paymentIntents.create(confirmParams({ amount: 1000 }));
    const err = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1001 }).catch((e: unknown) => e);
    expect(err).toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'amount_too_large',
      param: 'amount_to_capture',
    });
    expect((await stripe.paymentIntents.retrieve(pi.id)).status).toBe('requires_capture');
  });

  it('cancels an uncaptured PaymentIntent: canceled, its hold released, no capture after', async () => {
    const pi = await stripe.paymentIntents.create(confirmParams({ metadata: { order_id: 'ORD-SDK-CANCEL' } }));
    const canceled = await stripe.paymentIntents.cancel(pi.id, { cancellation_reason: 'requested_by_customer' });
    expect(canceled).toMatchObject({
      status: 'canceled',
      amount_capturable: 0,
      cancellation_reason: 'requested_by_customer',
    });
    expect(canceled.canceled_at).toEqual(expect.any(Number));
    expect((await svc.ledger('ORD-SDK-CANCEL')).authorizations).toEqual([
      expect.objectContaining({ authorizationId: pi.id, status: 'released' }),
    ]);
    await expect(stripe.paymentIntents.capture(pi.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
  });

  it('refunds a captured PaymentIntent once; a second refund is refused', async () => {
    // capture_method defaults to automatic: confirmed and captured in one call.
    const pi = await stripe.paymentIntents.create(confirmParams({ capture_method: undefined }));
    expect(pi).toMatchObject({ status: 'succeeded', amount_received: 2000 });
    const refund: Stripe.Refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 500 });
    expect(refund).toMatchObject({
      object: 'refund',
      amount: 500,
      status: 'succeeded',
      payment_intent: pi.id,
      charge: pi.latest_charge,
    });
    expect(asStripeRefund(refundObjectSchema.parse(refund)).id).toBe(refund.id);
    expect(await stripe.refunds.retrieve(refund.id)).toMatchObject({ id: refund.id, amount: 500 });

    const second = await stripe.refunds.create({ payment_intent: pi.id }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(second).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
    expect((second as Stripe.errors.StripeError).headers?.['stripe-should-retry']).toBe('false');
  });

  it('refuses to refund a PaymentIntent that was not captured', async () => {
    const pi = await stripe.paymentIntents.create(confirmParams());
    await expect(stripe.refunds.create({ payment_intent: pi.id })).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
  });

  it('creates and retrieves a customer, and a PaymentIntent names it', async () => {
    const customer = await stripe.customers.create({ email: 'ada@example.com', metadata: { tier: 'gold' } });
    expect(asStripeCustomer(customerSchema.parse(customer)).id).toBe(customer.id);
    expect(await stripe.customers.retrieve(customer.id)).toMatchObject({
      id: customer.id,
      email: 'ada@example.com',
      metadata: { tier: 'gold' },
    });
    const pi = await stripe.paymentIntents.create(confirmParams({ customer: customer.id }));
    expect(pi.customer).toBe(customer.id);
    await expect(stripe.paymentIntents.create(confirmParams({ customer: 'cus_missing' }))).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'resource_missing',
      param: 'customer',
    });
  });

  it('answers an unknown PaymentIntent with resource_missing', async () => {
    await expect(stripe.paymentIntents.retrieve('pi_doesnotexist')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
    });
  });
});

describe("Stripe's test cards", () => {
  it.each([
    ['pm_card_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card'],
    ['pm_card_chargeDeclinedProcessingError', 'processing_error', 'processing_error'],
  ])('%s declines with %s / %s, and leaves a requires_payment_method PaymentIntent', async (card, code, decline) => {
    const err = await stripe.paymentIntents
      .create(confirmParams({ payment_method: card, metadata: { card } }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(err).toMatchObject({ statusCode: 402, code, decline_code: decline, param: 'payment_method' });
    const [failed] = (await stripe.events.list({ type: 'payment_intent.payment_failed', limit: 100 })).data
      .map((e) => e.data.object as Stripe.PaymentIntent)
      .filter((pi) => pi.metadata.card === card);
    expect(failed).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { type: 'card_error', code, decline_code: decline },
    });
  });

  it('pm_card_visa succeeds', async () => {
    expect((await stripe.paymentIntents.create(confirmParams())).status).toBe('requires_capture');
  });

  it('refuses a payment method that is no test card, naming payment_method', async () => {
    await expect(stripe.paymentIntents.create(confirmParams({ payment_method: 'pm_unknown' }))).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      param: 'payment_method',
    });
  });
});

describe('test cards come before chaos', () => {
  let chaotic: Payment;
  let client: Stripe;
  beforeAll(async () => {
    // Every PaymentIntent create that chaos decides fails with a 500.
    chaotic = await startPayment({
      chaos: { profile: 'off', timeoutMs: 50, overrides: { authorize: { weights: { server_error: 1 } } } },
    });
    client = stripeAt(chaotic.url);
  });
  afterAll(() => chaotic?.close());

  it('a declining card declines, where pm_card_visa meets the chaos', async () => {
    await expect(
      client.paymentIntents.create(confirmParams({ payment_method: 'pm_card_chargeDeclinedInsufficientFunds' })),
    ).rejects.toMatchObject({ type: 'StripeCardError', decline_code: 'insufficient_funds' });
    const err = await client.paymentIntents.create(confirmParams()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err).toMatchObject({ statusCode: 500 });
    expect((err as Stripe.errors.StripeError).headers?.['stripe-should-retry']).toBe('true');
  });
});

describe('Idempotency-Key through the SDK', () => {
  it('replays the same object for the same key and params', async () => {
    const key = `idem-${Date.now()}`;
    const first = await stripe.paymentIntents.create(confirmParams({ amount: 1234 }), { idempotencyKey: key });
    const second = await stripe.paymentIntents.create(confirmParams({ amount: 1234 }), { idempotencyKey: key });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
  });

  it('refuses the same key with other params: StripeIdempotencyError', async () => {
    const key = `idem-other-${Date.now()}`;
    await stripe.paymentIntents.create(confirmParams({ amount: 1000 }), { idempotencyKey: key });
    const err = await stripe.paymentIntents
      .create(confirmParams({ amount: 2000 }), { idempotencyKey: key })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('replays a decline for its key: the card error again, no second PaymentIntent', async () => {
    const key = `idem-decline-${Date.now()}`;
    const params = confirmParams({ payment_method: 'pm_card_chargeDeclined', metadata: { key } });
    for (let i = 0; i < 2; i++)
      await expect(stripe.paymentIntents.create(params, { idempotencyKey: key })).rejects.toMatchObject({
        type: 'StripeCardError',
      });
    const failed = (await stripe.events.list({ type: 'payment_intent.payment_failed', limit: 100 })).data.filter(
      (e) => (e.data.object as Stripe.PaymentIntent).metadata.key === key,
    );
    expect(failed).toHaveLength(1);
  });
});

describe('errors and headers', () => {
  it('surfaces a chaos 429 as StripeRateLimitError, marked retryable', async () => {
    const err = await stripe.paymentIntents
      .create(confirmParams(), { headers: { 'X-Chaos-Outcome': 'rate_limited' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    const headers = (err as Stripe.errors.StripeError).headers ?? {};
    expect(headers['stripe-should-retry']).toBe('true');
    expect(headers['retry-after']).toBe('1');
  });

  it('refuses a wrong secret key: StripeAuthenticationError', async () => {
    const wrong = stripeAt(svc.url, 'sk_test_not_a_configured_key');
    await expect(wrong.paymentIntents.create(confirmParams())).rejects.toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
  });

  it('takes the key as basic auth too, as curl -u sends it', async () => {
    const res = await fetch(`${svc.url}/v1/payment_intents`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${SECRET_KEY}:`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'amount=700&currency=eur&payment_method=pm_card_visa&confirm=true&metadata[order_id]=ORD-FORM',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(await res.json()).toMatchObject({ amount: 700, currency: 'eur', metadata: { order_id: 'ORD-FORM' } });
  });

  it('refuses a form field without a name rather than dropping it', async () => {
    const res = await fetch(`${svc.url}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRET_KEY}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: '=null&email=a%40example.com',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'parameter_invalid' } });
  });

  it('names the bad parameter of a malformed form', async () => {
    await expect(stripe.paymentIntents.create({ amount: -5, currency: 'usd' })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 400,
      param: 'amount',
    });
  });
});
