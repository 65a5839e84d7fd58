/**
 * The official `stripe` SDK pointed at the payment service, and how its answers become activity
 * outcomes. Which layer retries what:
 * - Temporal retries the activity (its retry policy: attempts, backoff, timeouts), with the same
 *   Idempotency-Key (workflow id + activity id), so a retry replays a committed answer, never charges twice.
 * - The SDK does not retry (`maxNetworkRetries: 0`): a second, hidden retry loop inside one attempt
 *   would stretch the attempt past its start-to-close timeout and hide the faults the saga's retry
 *   policy and metrics are there to see. (The SDK still resends once on a connection closed before
 *   any answer, its stale keep-alive rule; the key makes that safe.)
 * - The service says what is worth retrying with `Stripe-Should-Retry`; a definitive answer (a
 *   decline, a bad request, an idempotency mismatch) becomes a non-retryable ApplicationFailure.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { CallOptions } from '@fake-stripe/kernel';
import Stripe from 'stripe';

export function createStripeClient(paymentUrl: string, secretKey: string, timeoutMs: number): Stripe {
  const url = new URL(paymentUrl);
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return new Stripe(secretKey, {
    host: url.hostname,
    port: url.port || (protocol === 'https' ? 443 : 80),
    protocol,
    maxNetworkRetries: 0,
    // fetch, as the kernel's ky client: the telemetry preload's undici instrumentation traces both alike.
    httpClient: Stripe.createFetchHttpClient(),
    timeout: timeoutMs,
    telemetry: false,
    appInfo: { name: 'fake-stripe-worker' },
  });
}

/** An activity's call options (idempotency key, correlation id, planned fault) as the SDK's request options. */
export function stripeOptions(options: CallOptions): Stripe.RequestOptions {
  return {
    ...(options.idempotencyKey && { idempotencyKey: options.idempotencyKey }),
    headers: {
      ...(options.correlationId && { 'X-Correlation-Id': options.correlationId }),
      ...(options.chaosOutcome && { 'X-Chaos-Outcome': options.chaosOutcome }),
    },
    ...(options.timeoutMs && { timeout: options.timeoutMs }),
  };
}

/** True for the SDK errors worth another attempt: no answer, or an answer the service marks transient. */
export function isTransient(err: Stripe.errors.StripeError): boolean {
  if (err instanceof Stripe.errors.StripeConnectionError || err.statusCode === undefined) return true;
  const told = err.headers?.['stripe-should-retry'];
  if (told !== undefined) return told === 'true';
  return err.statusCode >= 500 || err.statusCode === 429 || err.statusCode === 408;
}

/**
 * A definitive SDK error (StripeCardError, StripeInvalidRequestError, StripeIdempotencyError, an
 * authentication error) is a non-retryable ApplicationFailure typed by Stripe's `code`; a transient
 * one (StripeRateLimitError, StripeAPIError on a 5xx, a connection error, a key in flight) is
 * rethrown as a plain error (the SDK's error as its cause), so Temporal's retry policy retries it.
 */
export function classifyStripe(err: unknown): never {
  if (!(err instanceof Stripe.errors.StripeError)) throw err;
  // The status leads the message: what an operator reads first in the activity's last failure.
  const message = `${err.statusCode ?? 'no answer'} ${err.type}${err.code ? ` ${err.code}` : ''}: ${err.message}`;
  if (isTransient(err)) throw new Error(message, { cause: err });
  throw ApplicationFailure.create({
    message,
    type: err.code ?? err.type,
    nonRetryable: true,
    details: [{ status: err.statusCode, type: err.rawType, code: err.code, declineCode: err.decline_code }],
  });
}
