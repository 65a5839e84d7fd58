/**
 * Starting workflows: the duplicate-id answer every start shares, and the payment and user-context
 * workflows (the order saga's start is an order command).
 */
import { createHash } from 'node:crypto';
import { AppError, correlationId, ipForUser, toMinor } from '@fake-stripe/kernel';
import type { UserContextInput, UserContextRequest } from '@fake-stripe/kernel';
import {
  CustomerIdKey,
  OrderIdKey,
  PAYMENT_WORKFLOW,
  paymentWorkflowId,
  USER_CONTEXT_WORKFLOW,
  userContextWorkflowId,
  type PaymentWorkflow,
  type UserContextWorkflow,
} from '@fake-stripe/kernel/workflow-definitions';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { z } from 'zod';
import type { paymentWorkflowBody } from './schemas.ts';
import type { Temporal } from './temporal.ts';

export type Started = { workflowId: string; runId: string; statusUrl: string };

export const orderStatusUrl = (workflowId: string): string => `/api/v1/order/${encodeURIComponent(workflowId)}/status`;
export const workflowStatusUrl = (workflowId: string): string =>
  `/api/v1/workflows/${encodeURIComponent(workflowId)}/status`;

/** A duplicate workflow id as a 409 naming `param`, with Location: the existing workflow's status. */
export const alreadyStarted =
  (message: string, code: string, location: string, param = 'orderId') =>
  (err: unknown): never => {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new AppError({
        type: 'invalid_request_error',
        code,
        status: 409,
        message,
        param,
        headers: { Location: location },
      });
    throw err;
  };

export async function startPaymentWorkflow(
  { client, call }: Temporal,
  taskQueue: string,
  body: z.output<typeof paymentWorkflowBody>,
): Promise<Started> {
  const workflowId = paymentWorkflowId(body.orderId);
  const input = {
    orderId: body.orderId,
    customerId: body.customerId,
    amount: toMinor(body.amount),
    correlationId: correlationId(),
  };
  const handle = await call(workflowId, () =>
    client.workflow
      .start<PaymentWorkflow>(PAYMENT_WORKFLOW, {
        taskQueue,
        workflowId,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [
          { key: OrderIdKey, value: body.orderId },
          { key: CustomerIdKey, value: body.customerId },
        ],
      })
      .catch(
        alreadyStarted(
          `A payment workflow for order ${body.orderId} already exists: ${workflowId}.`,
          'workflow_exists',
          workflowStatusUrl(workflowId),
        ),
      ),
  );
  return { workflowId, runId: handle.firstExecutionRunId, statusUrl: workflowStatusUrl(workflowId) };
}

/** userContextWorkflow for a user; a new run once the previous one closed, 409 while one runs. */
export async function startUserContextWorkflow(
  { client, call }: Temporal,
  taskQueue: string,
  body: UserContextRequest,
): Promise<Started> {
  const workflowId = userContextWorkflowId(body.userId);
  const input: UserContextInput = {
    userId: body.userId,
    strategy: body.strategy,
    ip: body.ip ?? ipForUser(body.userId, (v) => createHash('sha256').update(v).digest()),
    correlationId: correlationId(),
  };
  const handle = await call(workflowId, () =>
    client.workflow
      .start<UserContextWorkflow>(USER_CONTEXT_WORKFLOW, {
        taskQueue,
        workflowId,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      })
      .catch(
        alreadyStarted(
          `A user-context workflow for ${body.userId} is still running: ${workflowId}.`,
          'workflow_running',
          workflowStatusUrl(workflowId),
          'userId',
        ),
      ),
  );
  return { workflowId, runId: handle.firstExecutionRunId, statusUrl: workflowStatusUrl(workflowId) };
}
