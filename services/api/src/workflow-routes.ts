/**
 * The workflow routes: starting the payment and user-context workflows, and reading or cancelling
 * any workflow by id.
 */
import { defineRoute, userContextRequestSchema } from '@fake-stripe/kernel';
import type { Route } from '@fake-stripe/kernel';
import { ORDER_WORKFLOW, progressQuery, USER_CONTEXT_WORKFLOW } from '@fake-stripe/kernel/workflow-definitions';
import { requireManager, strictManager } from './auth.ts';
import { hangUpSignal, located, manager, readAccess, reply, stillRunning } from './route-common.ts';
import type { RouteDeps } from './route-common.ts';
import {
  cancelResponse,
  historyResponse,
  paymentWorkflowBody,
  progressResponse,
  resultQuery,
  resultResponse,
  startedResponse,
  workflowParams,
  workflowStatusResponse,
} from './schemas.ts';
import { heartbeatProgress } from './temporal.ts';

/** Starting the payment and user-context workflows (an order's start is an order command). */
export function workflowStartRoutes({ env, orders }: RouteDeps): Route[] {
  return [
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
  ];
}

/** Any workflow by id: its execution, progress, result and history, and a manager's cancel. */
export function workflowAdminRoutes({ env, orders, workflows }: RouteDeps): Route[] {
  const { readers, reader } = readAccess({ env, workflows });
  return [
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
        return executionOf(params.workflowId, { orders, workflows });
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
        return { progress: await progressOf(params.workflowId, { orders, workflows }) };
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
  ];
}

/** A workflow's execution as GET /api/v1/workflows/{id}/status answers it; an order's with its state. */
async function executionOf(workflowId: string, { orders, workflows }: Pick<RouteDeps, 'orders' | 'workflows'>) {
  const d = await workflows.describe(workflowId);
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
}

/**
 * A workflow's progress, 0–100: an order's own; a running user-context workflow's from its query;
 * else 100 once closed, or the running activity's heartbeat.
 */
async function progressOf(
  workflowId: string,
  { orders, workflows }: Pick<RouteDeps, 'orders' | 'workflows'>,
): Promise<number> {
  const d = await workflows.describe(workflowId);
  if (d.type === ORDER_WORKFLOW) return orders.view(d, await orders.stateOf(d)).progress;
  if (d.type === USER_CONTEXT_WORKFLOW && d.status.name === 'RUNNING')
    return workflows.call(workflowId, () =>
      workflows.client.workflow.getHandle(workflowId, d.runId).query(progressQuery),
    );
  return d.status.name === 'RUNNING' ? (heartbeatProgress(d) ?? 0) : 100;
}
