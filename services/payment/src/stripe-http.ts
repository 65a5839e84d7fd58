import { randomBytes } from 'node:crypto';
import { AppError, bearerToken, errorBody, sameSecret } from '@fake-stripe/kernel';
import type { RouteInput, ServiceOptions } from '@fake-stripe/kernel';

type Context = RouteInput<unknown, unknown>['ctx'];
type Middleware = NonNullable<ServiceOptions['middleware']>[number];

export const STRIPE_PREFIX = '/v1/';

/** The secret key of a request: `Authorization: Bearer sk_…` (the SDK's), or basic auth with the key as user (curl -u). */
function secretKeyOf(ctx: Context): string | undefined {
  const bearer = bearerToken(ctx);
  if (bearer) return bearer;
  const basic = /^Basic (.+)$/.exec(ctx.get('authorization'));
  if (!basic?.[1]) return undefined;
  const user = Buffer.from(basic[1], 'base64').toString('utf8').split(':')[0];
  return user || undefined;
}

/** Whether a client should retry this answer (with the same Idempotency-Key): only transient faults. */
export const shouldRetry = (status: number, code: string | undefined): boolean =>
  status >= 500 || status === 429 || status === 408 || code === 'idempotency_key_in_flight';

const errorCode = (body: unknown): string | undefined =>
  typeof body === 'object' && body !== null && 'error' in body
    ? (body as { error: { code?: string } }).error.code
    : undefined;

/**
 * Stripe's HTTP conventions on `/v1/`: a secret key from `keys` is required (401 otherwise, as
 * Stripe), every answer carries a `Request-Id` and `Stripe-Should-Retry`, and a state conflict that the
 * ledger rules answer 409 (already captured, already refunded) answers 400 as Stripe does; a key still
 * in flight stays 409. It sits outside the error middleware, so it sees every final answer.
 */
export function stripeHttp(keys: readonly string[]): Middleware {
  return async (ctx, next) => {
    if (!ctx.path.startsWith(STRIPE_PREFIX)) {
      await next();
      return;
    }
    const requestId = `req_${randomBytes(7).toString('hex')}`;
    ctx.state.requestId = requestId;
    ctx.set('Request-Id', requestId);
    const key = secretKeyOf(ctx);
    if (!key || !keys.some((k) => sameSecret(k, key))) {
      const err = new AppError({
        type: 'invalid_request_error',
        code: key ? 'api_key_invalid' : 'api_key_missing',
        status: 401,
        message: key
          ? `Invalid API Key provided: ${key.slice(0, 8)}****${key.slice(-4)}`
          : 'You did not provide an API key. Provide it as a bearer token (Authorization: Bearer sk_test_…).',
      });
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="Stripe"');
      ctx.set('Stripe-Should-Retry', 'false');
      ctx.body = errorBody(err);
      return;
    }
    await next();
    if (ctx.respond === false) return; // chaos reset the connection: nothing to answer
    const code = errorCode(ctx.body);
    if (ctx.status === 409 && code !== 'idempotency_key_in_flight') ctx.status = 400;
    ctx.set('Stripe-Should-Retry', String(shouldRetry(ctx.status, code)));
  };
}
