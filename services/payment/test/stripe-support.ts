/**
 * The official `stripe` SDK pointed at a payment service started by the test (http, 127.0.0.1, its
 * ephemeral port), with the SDK's own retries off: a test sees each answer as the service gave it.
 */
import { LOCAL_STRIPE_SECRET_KEY } from '@fake-stripe/kernel';
import Stripe from 'stripe';

export const SECRET_KEY = LOCAL_STRIPE_SECRET_KEY;

export function stripeAt(url: string, key = SECRET_KEY): Stripe {
  const { port } = new URL(url);
  return new Stripe(key, {
    host: '127.0.0.1',
    port,
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
    timeout: 5_000,
  });
}

/** A confirmed PaymentIntent on a test card; manual capture unless told. */
export const confirmParams = (
  overrides: Partial<Stripe.PaymentIntentCreateParams> = {},
): Stripe.PaymentIntentCreateParams => ({
  amount: 2000,
  currency: 'usd',
  payment_method: 'pm_card_visa',
  capture_method: 'manual',
  confirm: true,
  ...overrides,
});
