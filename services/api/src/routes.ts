import { badRequest, defineRoute, orderRequestSchema, userContextRequestSchema } from '@fake-stripe/kernel';
import { ORDER_WORKFLOW, progressQuery, USER_CONTEXT_WORKFLOW } from '@fake-stripe/kernel/workflow-definitions';
import type { Route } from '@fake-stripe/kernel';
import type { Context } from 'koa';
import {
  requireManager,
  requireManagerOrCustomer,
  requireSomeBearer,
  requireStrictAccess,
  requireWorkflowAccess,
  strictManager,
  strictReaders,
} from './auth.ts';
import type { AuditReport } from './audit.ts';
import type { ApiEnv } from './config.ts';
import type { Orders } from './orders.ts';
import {
  auditResponse,
  cancelResponse,
  historyResponse,
  listOrdersQuery,
  listOrdersResponse,
  operatorBody,
  orderStateSchema,
  orderStatusResponse,
  paymentWorkflowBody,
  progressResponse,
  resultQuery,
  resultResponse,
  signalBody,
  signalResponse,
  startedResponse,
  workflowParams,
  workflowStatusResponse,
} from './schemas.ts';
import { heartbeatProgress } from './temporal.ts';
import type { WorkflowResult, Workflows } from './workflow-admin.ts';

export interface RouteDeps {
  env: Pick<ApiEnv, 'AUTH' | 'MANAGER_TOKEN' | 'CUSTOMER_TOKEN_SECRET' | 'ALLOW_CHAOS_FORCING'>;
  orders: Orders;
  workflows: Workflows;
  audit: () => Promise<AuditReport>;
}

const manager = {
  401: 'Missing or wrong manager bearer token',
  403: 'Manager actions are disabled (no MANAGER_TOKEN)',
};
const unknownWorkflow = { 404: 'No such workflow (or not an order)' };

/** Aborts when the caller hangs up before the answer (a long `wait` stops polling Temporal). */
function hangUpSignal(ctx: Context): AbortSignal {
  const hangUp = new AbortController();
  ctx.res.once('close', () => {
    if (!ctx.res.writableEnded) hangUp.abort();
  });
  return hangUp.signal;
}

/** The long polls' other answer, documented beside their 200. */
const stillRunning = { 202: 'Still running after `wait` seconds: `{status: running}`' };

/** 200 with the result when the workflow closed in time; 202 `{status: running}` otherwise. */
function reply(ctx: Context, result: WorkflowResult): WorkflowResult {
  if (result.status === 'running') ctx.status = 202;
  return result;
}

export function apiRoutes({ env, orders, workflows, audit }: RouteDeps): Route[] {
  const readers = strictReaders(env);
  /** Under AUTH=strict, a workflow's manager or customer only (401 without a token, 403 another's). */
  const reader = (ctx: Context, workflowId: string) => requireWorkflowAccess(env, ctx, workflows, workflowId);
  const signalled = (workflowId: string, signal: 'approve' | 'reject' | 'cancel') => ({ workflowId, signal });
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/order',
      operationId: 'createOrder',
      summary: 'Start an order (orderFulfillmentWorkflow, id order-fulfillment-{orderId})',
      tags: ['orders'],
      status: 201,
      body: orderRequestSchema,
      response: startedResponse,
      security: readers,
      errors: { 409: 'An order with this orderId exists (Location: its status URL)' },
      handler: async ({ body, ctx }) => {
        requireStrictAccess(env, ctx, body.customerId);
        if (body.faults && !env.ALLOW_CHAOS_FORCING)
          throw badRequest(
            'chaos_forcing_disabled',
            'Invalid body field faults: fault plans are not accepted here (forcing is disabled).',
            'faults',
          );
        return located(ctx, await orders.start(body));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/order/:workflowId/approve',
      operationId: 'approveOrder',
      summary: "A manager's approval of an order awaiting approval (signal)",
      tags: ['orders'],
      status: 202,
      params: workflowParams,
      body: signalBody,
      response: signalResponse,
      security: ['manager'],
      errors: { ...manager, ...unknownWorkflow, 409: 'The order is not awaiting approval' },
      handler: async ({ params, ctx }) => {
        const by = requireManager(env, ctx);
        await orders.approve(params.workflowId, by);
        return signalled(params.workflowId, 'approve');
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/order/:workflowId/reject',
      operationId: 'rejectOrder',
      summary: "A manager's rejection of an order awaiting approval (signal); the order compensates",
      tags: ['orders'],
      status: 202,
      params: workflowParams,
      body: signalBody,
      response: signalResponse,
      security: ['manager'],
      errors: { ...manager, ...unknownWorkflow, 409: 'The order is not awaiting approval' },
      handler: async ({ params, body, ctx }) => {
        const by = requireManager(env, ctx);
        await orders.reject(params.workflowId, by, body?.reason);
        return signalled(params.workflowId, 'reject');
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/order/:workflowId/cancel',
      operationId: 'cancelOrder',
      summary: "Cancel an order (signal) with a manager's or the order's customer's token; the order compensates",
      tags: ['orders'],
      status: 202,
      params: workflowParams,
      body: signalBody,
      response: signalResponse,
      security: ['manager', 'customer'],
      errors: {
        401: "Missing or wrong token (manager's or this order's customer's)",
        ...unknownWorkflow,
        409: 'Too late to cancel',
      },
      handler: async ({ params, body, ctx }) => {
        requireSomeBearer(ctx);
        await orders.cancel(
          params.workflowId,
          (customerId) => requireManagerOrCustomer(env, ctx, customerId),
          body?.reason,
        );
        return signalled(params.workflowId, 'cancel');
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/order/:workflowId/operator',
      operationId: 'operateOrder',
      summary: "An operator's decision for an order in compensation_stuck (Workflow Update: retry or resolve)",
      tags: ['orders'],
      params: workflowParams,
      body: operatorBody,
      response: orderStateSchema,
      security: ['manager'],
      errors: {
        ...manager,
        ...unknownWorkflow,
        409: "Refused by the Update's validator (the order is not compensation_stuck)",
      },
      handler: async ({ params, body, ctx }) => {
        requireManager(env, ctx);
        return orders.operator(params.workflowId, body);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/order/:workflowId/status',
      operationId: 'getOrderStatus',
      summary: "The order's state: status, completed steps, compensations, current step progress",
      tags: ['orders'],
      params: workflowParams,
      response: orderStatusResponse,
      security: readers,
      errors: unknownWorkflow,
      handler: async ({ params, ctx }) => {
        await reader(ctx, params.workflowId);
        return orders.status(params.workflowId);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/order/:workflowId/progress',
      operationId: 'getOrderProgress',
      summary: "The order's progress, 0–100 (the label step interpolated from its heartbeat)",
      tags: ['orders'],
      params: workflowParams,
      response: progressResponse,
      security: readers,
      errors: unknownWorkflow,
      handler: async ({ params, ctx }) => {
        await reader(ctx, params.workflowId);
        return { progress: await orders.progress(params.workflowId) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/order/:workflowId/result',
      operationId: 'getOrderResult',
      summary: "The order's final state, waiting at most `wait` seconds (202 while still running)",
      tags: ['orders'],
      params: workflowParams,
      query: resultQuery,
      response: resultResponse,
      otherSuccesses: stillRunning,
      security: readers,
      errors: unknownWorkflow,
      handler: async ({ params, query, ctx }) => {
        await reader(ctx, params.workflowId);
        return reply(ctx, await orders.result(params.workflowId, query.wait, hangUpSignal(ctx)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/orders',
      operationId: 'listOrders',
      summary: 'Orders by status and customer, through the search attributes (eventually consistent), paginated',
      tags: ['orders'],
      query: listOrdersQuery,
      response: listOrdersResponse,
      security: readers,
      description: "Under AUTH=strict a customer's token lists only that customer's orders (with `customerId`).",
      handler: ({ query, ctx }) => {
        requireStrictAccess(env, ctx, query.customerId);
        return orders.list(query);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/workflows/payment',
      operationId: 'startPaymentWorkflow',
      summary: 'Charge an amount (paymentWorkflow, id payment-{orderId}): authorize + capture, refund on failure',
      tags: ['workflows'],
      status: 201,
      body: paymentWorkflowBody,
      response: startedResponse,
      security: strictManager(env),
      errors: { 409: 'A payment workflow for this orderId exists' },
      handler: async ({ body, ctx }) => {
        // It charges any customerId it is given: under AUTH=strict, a manager's decision.
        if (env.AUTH === 'strict') requireManager(env, ctx);
        return located(ctx, await orders.startPayment(body));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/workflows/user-context',
      operationId: 'startUserContextWorkflow',
      summary:
        "A user's context (userContextWorkflow, id user-context-{userId}): location by IP, the weather there, a cat fact; a failed source is null",
      tags: ['workflows'],
      status: 201,
      body: userContextRequestSchema,
      response: startedResponse,
      errors: { 409: 'A user-context workflow for this user is still running' },
      handler: async ({ body, ctx }) => located(ctx, await orders.startUserContext(body)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/workflows/:workflowId/status',
      operationId: 'getWorkflowStatus',
      summary: "Any workflow's execution: type, status, times, search attributes (and an order's state)",
      tags: ['workflows'],
      params: workflowParams,
      response: workflowStatusResponse,
      security: readers,
      errors: { 404: 'No such workflow' },
      handler: async ({ params, ctx }) => {
        await reader(ctx, params.workflowId);
        const d = await workflows.describe(params.workflowId);
        return {
          workflowId: d.workflowId,
          runId: d.runId,
          type: d.type,
          status: d.status.name,
          taskQueue: d.taskQueue,
          startTime: d.startTime.toISOString(),
          closeTime: d.closeTime?.toISOString() ?? null,
          historyLength: d.historyLength,
          searchAttributes: Object.fromEntries(d.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value])),
          ...(d.type === ORDER_WORKFLOW && { order: orders.view(d, await orders.stateOf(d)) }),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/workflows/:workflowId/progress',
      operationId: 'getWorkflowProgress',
      summary: "Any workflow's progress, 0–100: an order's own, else 100 once closed or a running activity's heartbeat",
      tags: ['workflows'],
      params: workflowParams,
      response: progressResponse,
      security: readers,
      errors: { 404: 'No such workflow' },
      handler: async ({ params, ctx }) => {
        await reader(ctx, params.workflowId);
        const d = await workflows.describe(params.workflowId);
        if (d.type === ORDER_WORKFLOW) return { progress: orders.view(d, await orders.stateOf(d)).progress };
        if (d.type === USER_CONTEXT_WORKFLOW && d.status.name === 'RUNNING')
          return {
            progress: await workflows.call(params.workflowId, () =>
              workflows.client.workflow.getHandle(params.workflowId, d.runId).query(progressQuery),
            ),
          };
        return { progress: d.status.name === 'RUNNING' ? (heartbeatProgress(d) ?? 0) : 100 };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/workflows/:workflowId/result',
      operationId: 'getWorkflowResult',
      summary: "Any workflow's result, waiting at most `wait` seconds (202 while still running)",
      tags: ['workflows'],
      params: workflowParams,
      query: resultQuery,
      response: resultResponse,
      otherSuccesses: stillRunning,
      security: readers,
      errors: { 404: 'No such workflow' },
      handler: async ({ params, query, ctx }) => {
        await reader(ctx, params.workflowId);
        return reply(ctx, await workflows.result(params.workflowId, query.wait, hangUpSignal(ctx)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/workflows/:workflowId/history',
      operationId: 'getWorkflowHistory',
      summary: "Any workflow's event history, summarized",
      tags: ['workflows'],
      params: workflowParams,
      response: historyResponse,
      security: readers,
      errors: { 404: 'No such workflow' },
      handler: async ({ params, ctx }) => {
        await reader(ctx, params.workflowId);
        return { workflowId: params.workflowId, events: await workflows.history(params.workflowId) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/workflows/:workflowId/cancel',
      operationId: 'cancelWorkflow',
      summary: 'Request cancellation of any running workflow (manager)',
      tags: ['workflows'],
      status: 202,
      params: workflowParams,
      response: cancelResponse,
      security: ['manager'],
      errors: { ...manager, 404: 'No such workflow', 409: 'The workflow is closed' },
      handler: async ({ params, ctx }) => {
        requireManager(env, ctx);
        await workflows.cancel(params.workflowId);
        return { workflowId: params.workflowId, cancelRequested: true as const };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/audit',
      operationId: 'getAudit',
      summary: 'The invariant report: money and stock balance for every terminal order',
      tags: ['audit'],
      response: auditResponse,
      security: strictManager(env),
      errors: { 502: 'A domain ledger could not be read' },
      handler: ({ ctx }) => {
        requireStrictAccess(env, ctx, undefined);
        return audit();
      },
    }),
  ];
}

/** A 201's Location header: the new workflow's status URL. */
function located<T extends { statusUrl: string }>(ctx: Context, started: T): T {
  ctx.set('Location', started.statusUrl);
  return started;
}
