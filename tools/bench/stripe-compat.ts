/**
 * The same calls of the official `stripe` SDK against any server that claims to speak Stripe: what
 * each one supports. `make bench` runs them against the payment service and stripe-mock side by side
 * (tools/bench.ts); tests/stripe-compat.test.ts runs them against the payment service alone, where
 * every capability must hold.
 *
 * A capability holds when the answers show it, not when a call merely succeeds: stripe-mock answers
 * every valid call with a fixture, so "state" asks whether a PaymentIntent read back is the one made.
 */
import Stripe from 'stripe';

export interface Capability {
  name: string;
  /** What the probe checks, in a phrase. */
  checks: string;
  /** Resolves with a note when the capability holds; throws (with the reason) when it does not. */
  probe: (stripe: Stripe, run: string) => Promise<string>;
}

export type CompatResult = { name: string; checks: string; ok: boolean; note: string };

/** The SDK pointed at `url` over HTTP on 127.0.0.1, its own retries off: each answer as given. */
export function stripeClient(url: string, key: string): Stripe {
  return new Stripe(key, {
    host: '127.0.0.1',
    port: new URL(url).port,
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
    timeout: 5_000,
  });
}

const confirmed = (stripe: Stripe, amount: number, options?: Stripe.RequestOptions) =>
  stripe.paymentIntents.create(
    { amount, currency: 'usd', payment_method: 'pm_card_visa', capture_method: 'manual', confirm: true },
    options,
  );

/** `refused` when the call failed with `error`'s class; `accepted`, or the other error, otherwise. */
const refusedAs = (call: Promise<unknown>, error: abstract new (...args: never[]) => Error): Promise<string> =>
  call.then(
    () => 'accepted',
    (err: unknown) => (err instanceof error ? 'refused' : String(err)),
  );

function expectThat(ok: boolean, why: string): void {
  if (!ok) throw new Error(why);
}

export const capabilities: Capability[] = [
  {
    name: 'manual capture',
    checks: 'create+confirm → requires_capture → capture → succeeded',
    async probe(stripe) {
      const pi = await confirmed(stripe, 2000);
      expectThat(pi.status === 'requires_capture', `created as ${pi.status}, not requires_capture`);
      const captured = await stripe.paymentIntents.capture(pi.id);
      expectThat(captured.status === 'succeeded', `captured as ${captured.status}`);
      return `${pi.id}: requires_capture → succeeded`;
    },
  },
  {
    name: 'state',
    checks: 'a PaymentIntent read back has the amount and status it was given',
    async probe(stripe) {
      const pi = await confirmed(stripe, 1234);
      const read = await stripe.paymentIntents.retrieve(pi.id);
      expectThat(read.id === pi.id, `read back ${read.id}, not ${pi.id}`);
      expectThat(read.amount === 1234, `read back amount ${read.amount}, not 1234`);
      await stripe.paymentIntents.cancel(pi.id);
      const after = await stripe.paymentIntents.retrieve(pi.id);
      expectThat(after.status === 'canceled', `read back ${after.status} after cancel`);
      return 'amount and status kept between calls';
    },
  },
  {
    name: 'partial capture',
    checks: 'amount_to_capture below the hold is what is received',
    async probe(stripe) {
      const pi = await confirmed(stripe, 5000);
      const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 1500 });
      expectThat(captured.amount_received === 1500, `received ${captured.amount_received}, not 1500`);
      return 'received 1500 of 5000';
    },
  },
  {
    name: 'refund once',
    checks: 'a captured PaymentIntent refunds; a second full refund is refused',
    async probe(stripe) {
      const pi = await confirmed(stripe, 3000);
      await stripe.paymentIntents.capture(pi.id);
      const refund = await stripe.refunds.create({ payment_intent: pi.id });
      expectThat(refund.amount === 3000, `refunded ${refund.amount}, not 3000`);
      const again = await refusedAs(
        stripe.refunds.create({ payment_intent: pi.id }),
        Stripe.errors.StripeInvalidRequestError,
      );
      expectThat(again === 'refused', `a second refund was ${again}`);
      return 'second refund refused';
    },
  },
  {
    name: 'test cards',
    checks: 'pm_card_chargeDeclinedInsufficientFunds declines with insufficient_funds',
    async probe(stripe) {
      const declined = await stripe.paymentIntents
        .create({
          amount: 2000,
          currency: 'usd',
          payment_method: 'pm_card_chargeDeclinedInsufficientFunds',
          capture_method: 'manual',
          confirm: true,
        })
        .then(
          (pi) => `created as ${pi.status}`,
          (err: unknown) =>
            err instanceof Stripe.errors.StripeCardError ? (err.decline_code ?? 'no decline_code') : String(err),
        );
      expectThat(declined === 'insufficient_funds', `the card gave: ${declined}`);
      return 'StripeCardError insufficient_funds';
    },
  },
  {
    name: 'idempotency',
    checks: 'same key → same object; same key, other parameters → StripeIdempotencyError',
    async probe(stripe, run) {
      const idempotencyKey = `compat-${run}`;
      const first = await confirmed(stripe, 700, { idempotencyKey });
      const again = await confirmed(stripe, 700, { idempotencyKey });
      expectThat(again.id === first.id, `the replay made ${again.id}, not ${first.id}`);
      const other = await refusedAs(confirmed(stripe, 701, { idempotencyKey }), Stripe.errors.StripeIdempotencyError);
      expectThat(other === 'refused', `other parameters under the key were ${other}`);
      return 'replayed, and a mismatch refused';
    },
  },
  {
    name: 'events',
    checks: 'a capture records payment_intent.succeeded for that PaymentIntent (what webhooks deliver)',
    async probe(stripe) {
      const pi = await confirmed(stripe, 900);
      await stripe.paymentIntents.capture(pi.id);
      const events = await stripe.events.list({ limit: 100 });
      const mine = events.data.find(
        (e) => e.type === 'payment_intent.succeeded' && (e.data.object as { id?: string }).id === pi.id,
      );
      expectThat(mine !== undefined, `no payment_intent.succeeded event for ${pi.id}`);
      return `event ${mine?.id ?? ''}`;
    },
  },
];

/** Runs every capability's probe against one server, in order; a probe that throws does not hold. */
export async function probeAll(stripe: Stripe, run: string): Promise<CompatResult[]> {
  const results: CompatResult[] = [];
  for (const c of capabilities) {
    const note = await c.probe(stripe, run).then(
      (n) => ({ ok: true, note: n }),
      (err: unknown) => ({ ok: false, note: err instanceof Error ? err.message : String(err) }),
    );
    results.push({ name: c.name, checks: c.checks, ...note });
  }
  return results;
}
