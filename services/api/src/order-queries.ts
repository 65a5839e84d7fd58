/**
 * Reading an order: its description (404 unless it is an order), its state (the result once
 * completed, else the `status` query) and the view the API answers, with the label's heartbeat
 * folded into the progress.
 */
import { notFound } from '@fake-stripe/kernel';
import type { OrderState } from '@fake-stripe/kernel';
import {
  ORDER_WORKFLOW,
  statusQuery,
  stepWeight,
  type OrderFulfillmentWorkflow,
} from '@fake-stripe/kernel/workflow-definitions';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { z } from 'zod';
import type { orderStatusResponse } from './schemas.ts';
import { heartbeatProgress } from './temporal.ts';
import type { Temporal } from './temporal.ts';
import { describeWorkflow, workflowResult } from './workflow-admin.ts';
import type { WorkflowResult } from './workflow-admin.ts';

export type OrderView = z.input<typeof orderStatusResponse>;
const LABEL_ACTIVITY = 'createShippingLabel';

/** Describes the workflow and makes sure it is an order (404 otherwise). */
export async function describeOrder(t: Temporal, workflowId: string): Promise<WorkflowExecutionDescription> {
  const description = await describeWorkflow(t, workflowId);
  if (description.type !== ORDER_WORKFLOW)
    throw notFound(`Workflow ${workflowId} is a ${description.type}, not an order.`, 'workflowId');
  return description;
}

/** The order's state: its result once completed (no worker needed), else the `status` query. */
export async function orderState({ client, call }: Temporal, d: WorkflowExecutionDescription): Promise<OrderState> {
  const handle = client.workflow.getHandle<OrderFulfillmentWorkflow>(d.workflowId, d.runId);
  if (d.status.name === 'COMPLETED') return call(d.workflowId, () => handle.result());
  return call(d.workflowId, () => handle.query(statusQuery));
}

/** The state with the running label step's heartbeat folded into the progress. */
export function orderView(d: WorkflowExecutionDescription, state: OrderState): OrderView {
  const stepProgress = heartbeatProgress(d, state.currentStep === 'ship' ? LABEL_ACTIVITY : undefined) ?? 0;
  const progress =
    state.currentStep === 'ship'
      ? Math.min(100, state.progress + Math.round((stepWeight.ship * stepProgress) / 100))
      : state.progress;
  return { ...state, progress, currentStepProgress: state.currentStep ? stepProgress : 0 };
}

export async function orderStatus(t: Temporal, workflowId: string): Promise<OrderView> {
  const d = await describeOrder(t, workflowId);
  return orderView(d, await orderState(t, d));
}

export async function orderResult(
  t: Temporal,
  workflowId: string,
  waitSeconds: number,
  hangUp?: AbortSignal,
): Promise<WorkflowResult> {
  const d = await describeOrder(t, workflowId); // 404 unless it is an order
  return workflowResult(t, workflowId, waitSeconds, hangUp, d);
}
