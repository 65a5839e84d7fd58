import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '@fake-stripe/kernel';
import type { Context } from 'koa';
import type { ApiEnv } from './config.ts';

/**
 * A customer's bearer token: base64url(HMAC-SHA256(CUSTOMER_TOKEN_SECRET, customerId)). It lets the
 * customer cancel their own orders; scenarios and tests compute it with this function.
 */
export const customerToken = (secret: string, customerId: string): string =>
  createHmac('sha256', secret).update(customerId).digest('base64url');

const sha = (s: string): Buffer => createHash('sha256').update(s).digest();
const same = (a: string, b: string): boolean => timingSafeEqual(sha(a), sha(b));

const unauthorized = (message: string): AppError =>
  new AppError({
    type: 'invalid_request_error',
    code: 'unauthorized',
    status: 401,
    message,
    headers: { 'WWW-Authenticate': 'Bearer' },
  });

type Tokens = Pick<ApiEnv, 'MANAGER_TOKEN' | 'CUSTOMER_TOKEN_SECRET'>;

function bearer(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  return token === '' ? undefined : token;
}

/** Manager actions: the MANAGER_TOKEN bearer. Returns who acted (for the workflow's record). */
export function requireManager(env: Tokens, ctx: Context): string {
  if (!env.MANAGER_TOKEN)
    throw new AppError({
      type: 'invalid_request_error',
      code: 'manager_disabled',
      status: 403,
      message: 'Manager actions are disabled: MANAGER_TOKEN is not configured.',
    });
  const token = bearer(ctx);
  if (!token || !same(token, env.MANAGER_TOKEN)) throw unauthorized('A valid manager bearer token is required.');
  return 'manager';
}

/** Fails before any lookup when there is no bearer token at all. */
export function requireSomeBearer(ctx: Context): void {
  if (!bearer(ctx)) throw unauthorized("A manager's or the customer's bearer token is required.");
}

/** The manager, or the customer who owns the order. Returns who acted. */
export function requireManagerOrCustomer(env: Tokens, ctx: Context, customerId: string | undefined): string {
  const token = bearer(ctx);
  if (token && env.MANAGER_TOKEN && same(token, env.MANAGER_TOKEN)) return 'manager';
  if (
    token &&
    env.CUSTOMER_TOKEN_SECRET &&
    customerId !== undefined &&
    same(token, customerToken(env.CUSTOMER_TOKEN_SECRET, customerId))
  )
    return `customer:${customerId}`;
  throw unauthorized("A manager's or this order's customer's bearer token is required.");
}
