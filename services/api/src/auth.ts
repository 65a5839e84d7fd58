import { bearerToken, customerToken, forbidden, requireToken, sameSecret, unauthorized } from '@fake-stripe/kernel';
import type { TokenScheme } from '@fake-stripe/kernel';
import { CustomerIdKey } from '@fake-stripe/kernel/workflow-definitions';
import type { Context } from 'koa';
import type { ApiEnv } from './config.ts';
import type { Workflows } from './workflow-admin.ts';

type Tokens = Pick<ApiEnv, 'MANAGER_TOKEN' | 'CUSTOMER_TOKEN_SECRET'>;
type AuthTokens = Tokens & Pick<ApiEnv, 'AUTH'>;

/** Manager actions: the MANAGER_TOKEN bearer. Returns who acted (for the workflow's record). */
export function requireManager(env: Tokens, ctx: Context): string {
  requireToken(ctx, env.MANAGER_TOKEN, 'manager', 'MANAGER_TOKEN', 'Manager actions are');
  return 'manager';
}

/** Fails before any lookup when there is no bearer token at all. */
export function requireSomeBearer(ctx: Context): void {
  if (!bearerToken(ctx)) throw unauthorized("A manager's or the customer's bearer token is required.");
}

/** Who the token is: the manager, the customer `customerId`, or undefined (neither). */
function holderOf(env: Tokens, token: string | undefined, customerId: string | undefined): string | undefined {
  if (token && env.MANAGER_TOKEN && sameSecret(token, env.MANAGER_TOKEN)) return 'manager';
  if (
    token &&
    env.CUSTOMER_TOKEN_SECRET &&
    customerId !== undefined &&
    sameSecret(token, customerToken(env.CUSTOMER_TOKEN_SECRET, customerId))
  )
    return `customer:${customerId}`;
  return undefined;
}

/** The manager, or the customer who owns the order. Returns who acted. */
export function requireManagerOrCustomer(env: Tokens, ctx: Context, customerId: string | undefined): string {
  const by = holderOf(env, bearerToken(ctx), customerId);
  if (!by) throw unauthorized("A manager's or this order's customer's bearer token is required.");
  return by;
}

/** The tokens of the routes that AUTH=strict guards: the manager's or the resource's customer's. */
export const strictReaders = (env: AuthTokens): TokenScheme[] | undefined =>
  env.AUTH === 'strict' ? ['manager', 'customer'] : undefined;
export const strictManager = (env: AuthTokens): TokenScheme[] | undefined =>
  env.AUTH === 'strict' ? ['manager'] : undefined;

const noToken = () => unauthorized("A manager's or the customer's bearer token is required (AUTH=strict).");

/**
 * Under AUTH=strict, the manager or customer `customerId` (undefined: only the manager) may read or
 * start: 401 without a token, 403 with one that is neither. A customer token does not name its
 * customer, so a forged one and another customer's are the same 403. Under AUTH=open, anyone.
 */
export function requireStrictAccess(env: AuthTokens, ctx: Context, customerId: string | undefined): void {
  if (env.AUTH !== 'strict') return;
  const token = bearerToken(ctx);
  if (!token) throw noToken();
  if (!holderOf(env, token, customerId))
    throw forbidden(
      customerId === undefined
        ? 'Only a manager may do this.'
        : `This token is neither a manager's nor customer ${customerId}'s.`,
    );
}

/**
 * A workflow read under AUTH=strict: the manager, or the customer of its CustomerId search attribute
 * (orders and payment workflows); a workflow without one is the manager's alone. No lookup without a
 * token, and none for the manager.
 */
export async function requireWorkflowAccess(
  env: AuthTokens,
  ctx: Context,
  workflows: Workflows,
  workflowId: string,
): Promise<void> {
  if (env.AUTH !== 'strict') return;
  const token = bearerToken(ctx);
  if (!token) throw noToken();
  if (holderOf(env, token, undefined) === 'manager') return;
  const described = await workflows.describe(workflowId);
  requireStrictAccess(env, ctx, described.typedSearchAttributes.get(CustomerIdKey));
}
