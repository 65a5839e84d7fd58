import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { AppError } from './errors.ts';

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

/**
 * A customer's bearer token: base64url(HMAC-SHA256(CUSTOMER_TOKEN_SECRET, customerId)). The API
 * accepts it for the customer's own orders; scenarios and tests compute it with this function.
 */
export const customerToken = (secret: string, customerId: string): string =>
  createHmac('sha256', secret).update(customerId).digest('base64url');
