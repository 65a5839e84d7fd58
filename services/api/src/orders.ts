/**
 * The orders' Temporal calls bound to one client and task queue, as the routes use them: order
 * commands (order-commands.ts), order queries (order-queries.ts, order-list.ts) and the starts of
 * the other workflows (workflow-starts.ts).
 */
import type { OperatorAction, OrderRequest, UserContextRequest } from '@fake-stripe/kernel';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { z } from 'zod';
import { approveOrder, cancelOrder, operateOrder, rejectOrder, startOrder } from './order-commands.ts';
import { listAuditedOrders, listOrders } from './order-list.ts';
import { describeOrder, orderResult, orderState, orderStatus, orderView } from './order-queries.ts';
import type { listOrdersQuery, paymentWorkflowBody } from './schemas.ts';
import type { Temporal } from './temporal.ts';
import { startPaymentWorkflow, startUserContextWorkflow } from './workflow-starts.ts';

export function createOrders(t: Temporal, taskQueue: string) {
  return {
    describeOrder: (workflowId: string) => describeOrder(t, workflowId),
    stateOf: (d: WorkflowExecutionDescription) => orderState(t, d),
    view: orderView,
    status: (workflowId: string) => orderStatus(t, workflowId),
    progress: async (workflowId: string) => (await orderStatus(t, workflowId)).progress,
    result: (workflowId: string, waitSeconds: number, hangUp?: AbortSignal) =>
      orderResult(t, workflowId, waitSeconds, hangUp),
    list: (q: z.output<typeof listOrdersQuery>) => listOrders(t, q),
    listAudited: () => listAuditedOrders(t),
    start: (body: OrderRequest) => startOrder(t, taskQueue, body),
    approve: (workflowId: string, by: string) => approveOrder(t, workflowId, by),
    reject: (workflowId: string, by: string, reason?: string) => rejectOrder(t, workflowId, by, reason),
    cancel: (workflowId: string, authorize: (customerId: string | undefined) => string, reason?: string) =>
      cancelOrder(t, workflowId, authorize, reason),
    operator: (workflowId: string, action: OperatorAction) => operateOrder(t, workflowId, action),
    startPayment: (body: z.output<typeof paymentWorkflowBody>) => startPaymentWorkflow(t, taskQueue, body),
    startUserContext: (body: UserContextRequest) => startUserContextWorkflow(t, taskQueue, body),
  };
}

export type Orders = ReturnType<typeof createOrders>;
