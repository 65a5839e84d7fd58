import { bearerToken, customerToken, requireToken, sameSecret, unauthorized } from '@fake-stripe/kernel';
import type { Context } from 'koa';
import type { ApiEnv } from './config.ts';

type Tokens = Pick<ApiEnv, 'MANAGER_TOKEN' | 'CUSTOMER_TOKEN_SECRET'>;

/** Manager actions: the MANAGER_TOKEN bearer. Returns who acted (for the workflow's record). */
export function requireManager(env: Tokens, ctx: Context): string {
  requireToken(ctx, env.MANAGER_TOKEN, 'manager', 'MANAGER_TOKEN', 'Manager actions are');
  return 'manager';
}

/** Fails before any lookup when there is no bearer token at all. */
export function requireSomeBearer(ctx: Context): void {
  if (!bearerToken(ctx)) throw unauthorized("A manager's or the customer's bearer token is required.");
}

/** The manager, or the customer who owns the order. Returns who acted. */
export function requireManagerOrCustomer(env: Tokens, ctx: Context, customerId: string | undefined): string {
  const token = bearerToken(ctx);
  if (token && env.MANAGER_TOKEN && sameSecret(token, env.MANAGER_TOKEN)) return 'manager';
  if (
    token &&
    env.CUSTOMER_TOKEN_SECRET &&
    customerId !== undefined &&
    sameSecret(token, customerToken(env.CUSTOMER_TOKEN_SECRET, customerId))
  )
    return `customer:${customerId}`;
  throw unauthorized("A manager's or this order's customer's bearer token is required.");
}
