/**
 * Changing an order: start the saga, deliver the manager's decision and the cancel signal where the
 * order's state allows them (409 otherwise), and the operator Update of a parked order.
 */
import {
  conflict,
  correlationId,
  isTerminalOrCompensating,
  orderInputFrom,
  visibilityStatus,
} from '@fake-stripe/kernel';
import type { OperatorAction, OrderRequest, OrderState } from '@fake-stripe/kernel';
import {
  approveSignal,
  cancelSignal,
  CustomerIdKey,
  operatorUpdate,
  ORDER_WORKFLOW,
  OrderIdKey,
  OrderStatusKey,
  orderWorkflowId,
  rejectSignal,
  TotalAmountKey,
  type OrderFulfillmentWorkflow,
} from '@fake-stripe/kernel/workflow-definitions';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import type { WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';
import { describeOrder, orderState } from './order-queries.ts';
import type { Temporal } from './temporal.ts';
import { alreadyStarted, orderStatusUrl } from './workflow-starts.ts';
import type { Started } from './workflow-starts.ts';

type OrderHandle = WorkflowHandle<OrderFulfillmentWorkflow>;
const orderHandle = (t: Temporal, d: WorkflowExecutionDescription): OrderHandle =>
  t.client.workflow.getHandle<OrderFulfillmentWorkflow>(d.workflowId, d.runId);

export async function startOrder(t: Temporal, taskQueue: string, body: OrderRequest): Promise<Started> {
  const workflowId = orderWorkflowId(body.orderId);
  const handle = await t.call(workflowId, () =>
    t.client.workflow
      .start<OrderFulfillmentWorkflow>(ORDER_WORKFLOW, {
        taskQueue,
        workflowId,
        args: [orderInputFrom(body, correlationId())],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: OrderIdKey, value: body.orderId },
          { key: CustomerIdKey, value: body.customerId },
          // The order starts `pending`, listed `in_progress`: the workflow upserts nothing until that changes.
          { key: OrderStatusKey, value: visibilityStatus('pending') },
          { key: TotalAmountKey, value: body.totalAmount },
        ],
      })
      .catch(
        alreadyStarted(
          `Order ${body.orderId} already exists: workflow ${workflowId}.`,
          'order_exists',
          orderStatusUrl(workflowId),
        ),
      ),
  );
  return { workflowId, runId: handle.firstExecutionRunId, statusUrl: orderStatusUrl(workflowId) };
}

/** Sends the manager's decision, only while the order awaits it (409 otherwise). */
async function decide(t: Temporal, workflowId: string, send: (h: OrderHandle) => Promise<void>): Promise<void> {
  const d = await describeOrder(t, workflowId);
  const state = await orderState(t, d);
  if (state.status !== 'awaiting_approval')
    throw conflict(
      'order_not_awaiting_approval',
      `Order ${state.orderId} is ${state.status}, not awaiting approval.`,
      'workflowId',
    );
  await t.call(workflowId, () => send(orderHandle(t, d)));
}

export const approveOrder = (t: Temporal, workflowId: string, by: string): Promise<void> =>
  decide(t, workflowId, (h) => h.signal(approveSignal, { by }));

export const rejectOrder = (t: Temporal, workflowId: string, by: string, reason?: string): Promise<void> =>
  decide(t, workflowId, (h) => h.signal(rejectSignal, { by, ...(reason && { reason }) }));

/** `authorize` gets the order's customer id and returns who acts (or throws 401). */
export async function cancelOrder(
  t: Temporal,
  workflowId: string,
  authorize: (customerId: string | undefined) => string,
  reason?: string,
): Promise<void> {
  const d = await describeOrder(t, workflowId);
  const by = authorize(d.typedSearchAttributes.get(CustomerIdKey));
  const state = await orderState(t, d);
  const shipped = state.completedSteps.includes('ship');
  if (isTerminalOrCompensating(state.status) || shipped)
    throw conflict(
      'order_not_cancellable',
      `Order ${state.orderId} is ${state.status}${shipped ? ' and its label exists' : ''}: too late to cancel.`,
      'workflowId',
    );
  await t.call(workflowId, () => orderHandle(t, d).signal(cancelSignal, { by, ...(reason && { reason }) }));
}

/** The operator Update; its validator refuses unless the order is compensation_stuck (409). */
export async function operateOrder(t: Temporal, workflowId: string, action: OperatorAction): Promise<OrderState> {
  const d = await describeOrder(t, workflowId);
  if (d.status.name !== 'RUNNING') {
    const state = await orderState(t, d);
    throw conflict('update_rejected', `order is ${state.status}, not compensation_stuck`);
  }
  return t.call(workflowId, () => orderHandle(t, d).executeUpdate(operatorUpdate, { args: [action] }));
}
