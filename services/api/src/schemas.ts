import {
  customerIdSchema,
  decimalAmountSchema,
  orderIdSchema,
  operatorActionSchema,
  orderStateSchema,
  orderStatuses,
  queryIntSchema,
  visibilityStatuses,
  textSchema,
  workflowIdSchema,
} from '@fake-stripe/kernel';
import { z } from 'zod';

export const workflowParams = z.object({ workflowId: workflowIdSchema }).strict();

const reason = textSchema(500);
/** Body of approve/reject/cancel: optional, and when given only a reason. */
export const signalBody = z.object({ reason: reason.optional() }).strict().optional().meta({ id: 'SignalRequest' });
export const signalResponse = z
  .object({ workflowId: z.string(), signal: z.enum(['approve', 'reject', 'cancel']) })
  .meta({ id: 'SignalAccepted' });

/** The operator Update's body and the order's state are the workflow's contracts, documented as they are. */
export { operatorActionSchema as operatorBody, orderStateSchema };

export const startedResponse = z
  .object({ workflowId: z.string(), runId: z.string(), statusUrl: z.string() })
  .meta({ id: 'WorkflowStarted' });

const percent = z.number().min(0).max(100);

export const orderStatusResponse = orderStateSchema
  .extend({
    currentStepProgress: percent.meta({
      description: "The running step's own progress (the label activity's heartbeat)",
    }),
  })
  .meta({ id: 'OrderStatus' });
export const progressResponse = z.object({ progress: percent }).meta({ id: 'Progress' });

export const resultQuery = z
  .object({
    wait: queryIntSchema(z.number().int().min(0).max(300))
      .default(30)
      .meta({ description: 'Seconds to wait for completion (0–300, default 30)' }),
  })
  .strict();
export const resultResponse = z
  .discriminatedUnion('status', [
    z.object({ status: z.literal('completed'), result: z.unknown() }),
    z.object({ status: z.literal('running') }),
    z.object({
      status: z.enum(['failed', 'cancelled', 'terminated', 'timed_out']),
      error: z.object({ type: z.string().optional(), message: z.string() }),
    }),
  ])
  .meta({
    id: 'WorkflowResult',
    description: '200 when the workflow closed within `wait`; 202 `{status: running}` otherwise',
  });

const pageToken = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^[A-Za-z0-9_.-]+$/, 'must be a nextPageToken of a previous page');
/** The paging parameters of a listing through the search attributes. */
export const pageParams = {
  pageToken: pageToken.optional(),
  pageSize: queryIntSchema(z.number().int().min(1).max(100)).default(20),
};
/**
 * An order's visibility status: what the list filters by and shows. A step's status is refused with
 * the reason: visibility does not keep it (the order's status endpoint shows the exact step).
 */
const visibilityStatusSchema = z
  .enum(visibilityStatuses, {
    error: ({ input }) =>
      typeof input === 'string' && (orderStatuses as readonly string[]).includes(input)
        ? `${input} is a step of an order in progress, which the list does not keep: filter by in_progress (an order's status shows its exact step)`
        : `must be a visibility status: ${visibilityStatuses.join(', ')}`,
  })
  .meta({
    id: 'VisibilityStatus',
    description:
      "An order's visibility status (its OrderStatus search attribute): in_progress (pending or any forward step), awaiting_approval, compensating, compensation_stuck, or a final status. The exact step is GET /api/v1/order/{workflowId}/status.",
  });
export const listOrdersQuery = z
  .object({ status: visibilityStatusSchema.optional(), customerId: customerIdSchema.optional(), ...pageParams })
  .strict();
export const orderSummarySchema = z
  .object({
    workflowId: z.string(),
    orderId: z.string().nullable(),
    customerId: z.string().nullable(),
    status: visibilityStatusSchema
      .nullable()
      .meta({ description: "The order's visibility status (eventually consistent); null when it has none" }),
    totalAmount: z.number().nullable(),
    startTime: z.string().nullable(),
    closeTime: z.string().nullable(),
  })
  .meta({ id: 'OrderSummary' });
export const listOrdersResponse = z
  .object({ orders: z.array(orderSummarySchema), nextPageToken: z.string().nullable() })
  .meta({ id: 'OrderList' });

export const paymentWorkflowBody = z
  .object({ orderId: orderIdSchema, amount: decimalAmountSchema, customerId: customerIdSchema })
  .strict()
  .meta({ id: 'PaymentWorkflowRequest' });

export const workflowStatusResponse = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    type: z.string(),
    status: z.string().meta({ description: 'RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT, ...' }),
    taskQueue: z.string(),
    startTime: z.string(),
    closeTime: z.string().nullable(),
    historyLength: z.number(),
    searchAttributes: z.record(z.string(), z.unknown()),
    order: orderStatusResponse.optional(),
  })
  .meta({ id: 'WorkflowStatus' });
export const historyResponse = z
  .object({
    workflowId: z.string(),
    events: z.array(z.object({ eventId: z.number(), eventType: z.string(), time: z.string().nullable() })),
  })
  .meta({ id: 'WorkflowHistory' });
export const cancelResponse = z
  .object({ workflowId: z.string(), cancelRequested: z.literal(true) })
  .meta({ id: 'CancelRequested' });

export const auditResponse = z
  .object({
    ok: z.boolean(),
    checkedOrders: z.number().int(),
    violations: z.array(
      z.object({ orderId: z.string().optional(), sku: z.string().optional(), rule: z.string(), detail: z.string() }),
    ),
    stuck: z.array(z.string()),
    checkedAt: z.string(),
  })
  .meta({ id: 'AuditReport' });
