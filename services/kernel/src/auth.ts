import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { AuthEnv, ServiceEnv } from './config.ts';
import { AppError } from './errors.ts';
import type { Route } from './route-definition.ts';

const sha = (s: string): Buffer => createHash('sha256').update(s).digest();

/** Compares two secrets in constant time (whatever their lengths). */
export const sameSecret = (a: string, b: string): boolean => timingSafeEqual(sha(a), sha(b));

/** The request's `Authorization: Bearer <token>`, if any. */
export function bearerToken(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  return token === '' ? undefined : token;
}

export const unauthorized = (message: string): AppError =>
  new AppError({
    type: 'invalid_request_error',
    code: 'unauthorized',
    status: 401,
    message,
    headers: { 'WWW-Authenticate': 'Bearer' },
  });

/**
 * A role's bearer token from configuration, so no secret is built in: 403 `<role>_disabled` when the variable is
 * unset, 401 unless the request carries that token.
 */
export function requireToken(
  ctx: Context,
  configured: string | undefined,
  role: string,
  variable: string,
  what: string,
): void {
  if (!configured)
    throw new AppError({
      type: 'invalid_request_error',
      code: `${role}_disabled`,
      status: 403,
      message: `${what} disabled: ${variable} is not configured.`,
    });
  const token = bearerToken(ctx);
  if (!token || !sameSecret(token, configured)) throw unauthorized(`A valid ${role} bearer token is required.`);
}

export const forbidden = (message: string): AppError =>
  new AppError({ type: 'invalid_request_error', code: 'forbidden', status: 403, message });

/** The bearer tokens a route may ask for; each is an OpenAPI security scheme of that name. */
export type TokenScheme = 'admin' | 'service' | 'manager' | 'customer' | 'stripe';

export const tokenSchemes: Record<TokenScheme, string> = {
  admin: 'ADMIN_TOKEN: the chaos and stock administration endpoints.',
  service: "SERVICE_TOKEN, held only by the worker and the API: a domain service's writes and ledgers (AUTH=strict).",
  manager: 'MANAGER_TOKEN: approvals, operator actions, cancellations, the payment workflow and every read.',
  customer:
    "A customer's token, base64url(HMAC-SHA256(CUSTOMER_TOKEN_SECRET, customerId)): that customer's own orders.",
  stripe: "A Stripe secret key (sk_test_…) of the payment service's STRIPE_SECRET_KEYS: its Stripe /v1/ API.",
};

/**
 * Whether a route is for the platform's own callers: a domain write (a POST that runs the domain
 * operation pipeline) unless it says otherwise, or a route that asks for it (a ledger).
 */
const isServiceRoute = (route: Route): boolean =>
  route.service ?? (route.chaos !== undefined && route.method !== 'get');

/**
 * The tokens a route accepts in this auth mode (any one of them), or none: the admin token for admin
 * routes, the service token for service routes under AUTH=strict, else what the route declares its
 * handler checks (the API's manager and customer tokens).
 */
export function routeSecurity(route: Route, env: AuthEnv): TokenScheme[] {
  if (route.admin) return ['admin'];
  if (env.AUTH === 'strict' && isServiceRoute(route)) return ['service'];
  return route.security ?? [];
}

/** The checks the kernel makes itself, before a route's input is parsed: the admin and service tokens. */
export function requireRouteTokens(route: Route, env: ServiceEnv, ctx: Context): void {
  const [scheme] = routeSecurity(route, env);
  if (scheme === 'admin') requireToken(ctx, env.ADMIN_TOKEN, 'admin', 'ADMIN_TOKEN', 'Admin endpoints are');
  else if (scheme === 'service') requireToken(ctx, env.SERVICE_TOKEN, 'service', 'SERVICE_TOKEN', 'Domain writes are');
}
/**
 * A customer's bearer token: base64url(HMAC-SHA256(CUSTOMER_TOKEN_SECRET, customerId)). The API
 * accepts it for the customer's own orders; scenarios and tests compute it with this function.
 */
export const customerToken = (secret: string, customerId: string): string =>
  createHmac('sha256', secret).update(customerId).digest('base64url');
