/**
 * Webhooks: events signed with `Stripe-Signature`, verified by the SDK's `constructEvent` in a real
 * receiver, retried until acknowledged, recorded (list, resend), delivered under the webhook chaos
 * (duplicate, out of order, delayed, first attempt dropped), and kept through a crash (the outbox).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJson, postJson, spawnService, tempDir } from '@fake-stripe/kernel/testing';
import type { Spawned } from '@fake-stripe/kernel/testing';
import type Stripe from 'stripe';
import { ADMIN, eventually, startPayment } from './support.ts';
import type { Payment } from './support.ts';
import { confirmParams, stripeAt } from './stripe-support.ts';
import { startReceiver } from './webhook-receiver.ts';
import type { Receiver } from './webhook-receiver.ts';

const SECRET = 'whsec_test_right_secret';
/** Fast retries, a short out-of-order hold: the behaviour, not the production timings. */
const fastWebhooks = {
  WEBHOOK_MAX_ATTEMPTS: '3',
  WEBHOOK_RETRY_MIN_MS: '20',
  WEBHOOK_RETRY_MAX_MS: '50',
  WEBHOOK_REORDER_MAX_MS: '300',
  WEBHOOK_POLL_MS: '100',
  WEBHOOK_TIMEOUT_MS: '2000',
};

interface DeliveryRow {
  eventId: string;
  type: string;
  endpoint: string;
  status: string;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
}

/** Waits for the receiver or the delivery records to show what a test expects. */
const waitFor = <T>(read: () => T | Promise<T>, options: { until: (value: T) => boolean }): Promise<T> =>
  eventually(read, 'the webhook deliveries', { ...options, timeoutMs: 10_000 });

let receiver: Receiver;
/** The API the receiver's handler reads current state from (the crash test's own service, there). */
let api: Stripe;
let svc: Payment;
let stripe: Stripe;

const deliveries = async (query = ''): Promise<DeliveryRow[]> =>
  ((await getJson(`${svc.url}/payment/webhooks${query}`)).body as { deliveries: DeliveryRow[] }).deliveries;
const received = (objectId: string): Stripe.Event[] =>
  receiver.deliveries.filter((e) => (e.data.object as { id: string }).id === objectId);
/** Webhook delivery's chaos, set as an operator does: PUT /payment/chaos (other operations off). */
async function setWebhookChaos(weights: Record<string, number>, extraMs = 1_000): Promise<void> {
  const res = await fetch(`${svc.url}/payment/chaos`, {
    method: 'PUT',
    headers: { ...ADMIN, 'content-type': 'application/json' },
    body: JSON.stringify({ profile: 'off', timeoutMs: 50, overrides: { webhook: { weights, latency: { extraMs } } } }),
  });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  receiver = await startReceiver(SECRET, () => api);
  svc = await startPayment({
    chaos: { profile: 'off', timeoutMs: 50 },
    env: {
      ...fastWebhooks,
      WEBHOOK_ENDPOINTS: JSON.stringify([
        { url: `${receiver.url}/hooks`, secret: SECRET },
        // Signed with another secret than the receiver verifies with: every attempt is refused.
        { url: `${receiver.url}/wrong-secret`, secret: 'whsec_some_other_secret', events: ['payment_intent.canceled'] },
      ]),
    },
  });
  stripe = stripeAt(svc.url);
  api = stripe;
});
afterAll(async () => {
  await svc?.close();
  await receiver?.close();
});
beforeEach(() => setWebhookChaos({ success: 1 }));

describe('webhook events', () => {
  it('delivers the manual-capture flow as signed events the SDK verifies, recorded as delivered', async () => {
    const pi = await stripe.paymentIntents.create(confirmParams());
    await stripe.paymentIntents.capture(pi.id);
    const events = await waitFor(() => received(pi.id), { until: (e) => e.length === 2 });
    expect(events.map((e) => e.type).sort()).toEqual([
      'payment_intent.amount_capturable_updated',
      'payment_intent.succeeded',
    ]);
    const captured = events.find((e) => e.type === 'payment_intent.succeeded');
    expect(captured?.data.object).toMatchObject({ id: pi.id, status: 'succeeded', amount_received: 2000 });
    // The same events are listed by the API, and their deliveries recorded.
    const listed = await stripe.events.list({ limit: 100 });
    expect(listed.data.map((e) => e.id)).toEqual(expect.arrayContaining(events.map((e) => e.id)));
    const rows = await waitFor(() => deliveries(`?eventId=${events[0]!.id}`), {
      until: (r) => r[0]?.status === 'delivered',
    });
    expect(rows).toEqual([
      expect.objectContaining({ endpoint: `${receiver.url}/hooks`, status: 'delivered', attempts: 1, lastStatus: 200 }),
    ]);
  });

  it('sends payment_intent.canceled, charge.refunded and payment_intent.payment_failed', async () => {
    const held = await stripe.paymentIntents.create(confirmParams());
    await stripe.paymentIntents.cancel(held.id);
    const paid = await stripe.paymentIntents.create(confirmParams({ capture_method: 'automatic' }));
    await stripe.refunds.create({ payment_intent: paid.id, amount: 700 });
    await stripe.paymentIntents
      .create(confirmParams({ payment_method: 'pm_card_chargeDeclined', metadata: { hook: 'failed' } }))
      .catch(() => undefined);
    await waitFor(() => received(held.id), { until: (e) => e.some((x) => x.type === 'payment_intent.canceled') });
    const refunded = await waitFor(() => received(paid.latest_charge as string), { until: (e) => e.length === 1 });
    expect(refunded[0]).toMatchObject({
      type: 'charge.refunded',
      data: { object: { object: 'charge', amount_refunded: 700, payment_intent: paid.id } },
    });
    await waitFor(
      () =>
        receiver.deliveries.filter(
          (e) => e.type === 'payment_intent.payment_failed' && e.data.object.metadata.hook === 'failed',
        ),
      { until: (e) => e.length === 1 },
    );
  });

  it('refuses a delivery signed with another secret, retries it, and records it failed', async () => {
    const pi = await stripe.paymentIntents.create(confirmParams());
    await stripe.paymentIntents.cancel(pi.id);
    // The right secret's endpoint gets the event; the other one refuses every attempt of it.
    const [event] = await waitFor(() => received(pi.id).filter((e) => e.type === 'payment_intent.canceled'), {
      until: (e) => e.length === 1,
    });
    const [refused] = await waitFor(
      async () => (await deliveries(`?eventId=${event!.id}`)).filter((d) => d.endpoint.endsWith('/wrong-secret')),
      { until: (rows) => rows[0]?.status === 'failed' },
    );
    expect(refused).toMatchObject({ type: 'payment_intent.canceled', attempts: 3, lastStatus: 400 });
    expect(receiver.refused).toContainEqual({ path: '/wrong-secret', error: 'StripeSignatureVerificationError' });
  });

  it('resends a recorded event: the same event id again', async () => {
    const pi = await stripe.paymentIntents.create(confirmParams());
    const [event] = await waitFor(() => received(pi.id), { until: (e) => e.length === 1 });
    const res = await postJson(`${svc.url}/payment/webhooks/${event!.id}/resend`, {}, ADMIN);
    expect(res.status).toBe(200);
    await waitFor(() => received(pi.id), { until: (e) => e.length === 2 });
    expect(received(pi.id).map((e) => e.id)).toEqual([event!.id, event!.id]);
  });
});

describe('webhook chaos', () => {
  it('duplicate: the same event id delivered twice, applied once by the idempotent handler', async () => {
    await setWebhookChaos({ duplicate: 1 });
    const pi = await stripe.paymentIntents.create(confirmParams());
    await stripe.paymentIntents.capture(pi.id);
    const events = await waitFor(() => received(pi.id), { until: (e) => e.length === 4 });
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(2);
    for (const id of new Set(ids)) expect(ids.filter((x) => x === id)).toHaveLength(2);
    expect(receiver.applied.filter((id) => ids.includes(id))).toHaveLength(2);
    expect(receiver.state.get(pi.id)).toBe('succeeded');
  });

  it('out of order: the later event arrives first, and the handler still ends on the true state', async () => {
    await setWebhookChaos({ out_of_order: 1 });
    const pi = await stripe.paymentIntents.create(confirmParams());
    await stripe.paymentIntents.capture(pi.id);
    const events = await waitFor(() => received(pi.id), { until: (e) => e.length === 2 });
    expect(events.map((e) => e.type)).toEqual(['payment_intent.succeeded', 'payment_intent.amount_capturable_updated']);
    // Applying the late event's own object would roll back to requires_capture; the handler reads the API.
    expect((events[1]!.data.object as Stripe.PaymentIntent).status).toBe('requires_capture');
    expect(receiver.state.get(pi.id)).toBe('succeeded');
    expect(receiver.applied.filter((id) => events.some((e) => e.id === id))).toHaveLength(2);
  });

  it('drop_first: the first attempt is never sent; the retry delivers it, recorded as two attempts', async () => {
    await setWebhookChaos({ drop_first: 1 });
    const pi = await stripe.paymentIntents.create(confirmParams());
    const [event] = await waitFor(() => received(pi.id), { until: (e) => e.length === 1 });
    const [row] = await waitFor(() => deliveries(`?eventId=${event!.id}`), {
      until: (r) => r[0]?.status === 'delivered',
    });
    expect(row).toMatchObject({ attempts: 2, status: 'delivered', lastStatus: 200 });
    expect(received(pi.id)).toHaveLength(1);
  });

  it('latency: the delivery is delayed by the chaos latency', async () => {
    await setWebhookChaos({ latency: 1 }, 400);
    const started = Date.now();
    const pi = await stripe.paymentIntents.create(confirmParams());
    await waitFor(() => received(pi.id), { until: (e) => e.length === 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });
});

describe('the webhook outbox through a crash', () => {
  it('delivers, after a SIGKILL and a restart, the events committed while the endpoint was down', async () => {
    const data = tempDir('fake-stripe-outbox-');
    const chaosFile = join(data.dir, 'chaos.json');
    writeFileSync(chaosFile, JSON.stringify({ profile: 'off' }));
    const env = {
      DATA_DIR: data.dir,
      ...fastWebhooks,
      WEBHOOK_MAX_ATTEMPTS: '100',
      WEBHOOK_RETRY_MIN_MS: '200',
      WEBHOOK_ENDPOINTS: JSON.stringify([{ url: `${receiver.url}/hooks`, secret: SECRET }]),
      CHAOS_FILE: chaosFile,
    };
    let child: Spawned | undefined;
    try {
      receiver.failWith = 503;
      child = await spawnService('payment', env);
      const client = stripeAt(child.url);
      const pi = await client.paymentIntents.create(confirmParams());
      // The endpoint refused at least once: the delivery is pending when the process dies.
      await waitFor(
        async () => (await getJson(`${child!.url}/payment/webhooks`)).body as { deliveries: DeliveryRow[] },
        {
          until: (b) => (b.deliveries[0]?.attempts ?? 0) >= 1,
        },
      );
      await child.kill('SIGKILL');
      receiver.failWith = undefined;
      child = await spawnService('payment', env);
      api = stripeAt(child.url);
      const events = await waitFor(() => received(pi.id), { until: (e) => e.length >= 1 });
      expect(events[0]).toMatchObject({ type: 'payment_intent.amount_capturable_updated' });
    } finally {
      api = stripe;
      receiver.failWith = undefined;
      await child?.kill('SIGKILL');
      data.remove();
    }
  }, 60_000);
});
