/**
 * What the API's route modules share: their dependencies, the errors and answers they document
 * alike, and the helpers of their replies (Location, 202 while running, a hang-up aborting a wait).
 */
import { badRequest } from '@fake-stripe/kernel';
import type { Context } from 'koa';
import { requireWorkflowAccess, strictReaders } from './auth.ts';
import type { AuditReport } from './audit.ts';
import type { ApiEnv } from './config.ts';
import type { Orders } from './orders.ts';
import type { Subscriptions } from './subscriptions.ts';
import type { WorkflowResult, Workflows } from './workflow-admin.ts';

export interface RouteDeps {
  env: Pick<ApiEnv, 'AUTH' | 'MANAGER_TOKEN' | 'CUSTOMER_TOKEN_SECRET' | 'ALLOW_CHAOS_FORCING'>;
  orders: Orders;
  workflows: Workflows;
  audit: () => Promise<AuditReport>;
  subscriptions: Subscriptions;
}

export const manager = {
  401: 'Missing or wrong manager bearer token',
  403: 'Manager actions are disabled (no MANAGER_TOKEN)',
};
export const unknownWorkflow = { 404: 'No such workflow (or not an order)' };

/** The long polls' other answer, documented beside their 200. */
export const stillRunning = { 202: 'Still running after `wait` seconds: `{status: running}`' };

/**
 * Who may read a workflow: the tokens a read route accepts, and the check of one workflow (under
 * AUTH=strict, its manager or customer only: 401 without a token, 403 another's).
 */
export function readAccess({ env, workflows }: Pick<RouteDeps, 'env' | 'workflows'>) {
  return {
    readers: strictReaders(env),
    reader: (ctx: Context, workflowId: string) => requireWorkflowAccess(env, ctx, workflows, workflowId),
  };
}

/** Aborts when the caller hangs up before the answer (a long `wait` stops polling Temporal). */
export function hangUpSignal(ctx: Context): AbortSignal {
  const hangUp = new AbortController();
  ctx.res.once('close', () => {
    if (!ctx.res.writableEnded) hangUp.abort();
  });
  return hangUp.signal;
}

/** 200 with the result when the workflow closed in time; 202 `{status: running}` otherwise. */
export function reply(ctx: Context, result: WorkflowResult): WorkflowResult {
  if (result.status === 'running') ctx.status = 202;
  return result;
}

/** A 201's Location header: the new workflow's status URL. */
export function located<T extends { statusUrl: string }>(ctx: Context, started: T): T {
  ctx.set('Location', started.statusUrl);
  return started;
}

/** Fault plans force chaos outcomes: accepted only where the deployment allows forcing. */
export function refuseFaultsUnlessAllowed(env: Pick<RouteDeps['env'], 'ALLOW_CHAOS_FORCING'>, faults: unknown): void {
  if (faults && !env.ALLOW_CHAOS_FORCING)
    throw badRequest(
      'chaos_forcing_disabled',
      'Invalid body field faults: fault plans are not accepted here (forcing is disabled).',
      'faults',
    );
}
