import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Sinks } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type {
  OperatorAction,
  OrderInput,
  OrderState,
  OrderStep,
  PaymentInput,
  TerminalStatus,
  PaymentResult,
  UserContextInput,
  UserContextResult,
} from './contracts.ts';
import type { AuditReportSummary, RestockInput, RestockResult } from './schedules.ts';
import type {
  ChangePlan,
  Invoice,
  SubscriptionInput,
  SubscriptionSignal,
  SubscriptionState,
} from './subscription-contracts.ts';

/** Messages of orderFulfillmentWorkflow: shared by the workflow and the API's client. */
export const approveSignal = defineSignal<[{ by: string }]>('approve');
export const rejectSignal = defineSignal<[{ by: string; reason?: string }]>('reject');
export const cancelSignal = defineSignal<[{ by: string; reason?: string }]>('cancel');
export const statusQuery = defineQuery<OrderState>('status');
export const progressQuery = defineQuery<number>('progress');
/** An operator's decision for an order parked in compensation_stuck; validated synchronously. */
export const operatorUpdate = defineUpdate<OrderState, [OperatorAction]>('operator');

/** Search attributes the API lists orders by, registered by the dev server's start-up. */
export const OrderIdKey = defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD);
export const CustomerIdKey = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const TotalAmountKey = defineSearchAttributeKey('TotalAmount', SearchAttributeType.DOUBLE);
export const searchAttributes = {
  OrderId: 'Keyword',
  CustomerId: 'Keyword',
  OrderStatus: 'Keyword',
  TotalAmount: 'Double',
  SubscriptionStatus: 'Keyword',
} as const;

/** Each step's share of an order's progress (0–100); the API interpolates the label step's heartbeat. */
export const stepWeight: Record<OrderStep, number> = {
  authorize: 15,
  approval: 5,
  reserve: 15,
  capture: 15,
  ship: 40,
  notify: 10,
};

export const TASK_QUEUE = 'order-fulfillment';
/**
 * Workflow type names, which are the workflow functions' names, and their signatures: clients start
 * by name with the signature (`start<OrderFulfillmentWorkflow>(ORDER_WORKFLOW, …)`), so arguments and
 * results are typed without the worker's package, and the worker's functions are checked against
 * these (services/worker/src/workflows/index.ts).
 */
export type OrderFulfillmentWorkflow = (input: OrderInput) => Promise<OrderState>;
export type PaymentWorkflow = (input: PaymentInput) => Promise<PaymentResult>;
export type UserContextWorkflow = (input: UserContextInput) => Promise<UserContextResult>;
export const ORDER_WORKFLOW = 'orderFulfillmentWorkflow';

/**
 * How an order reports its fulfilment time out of the sandbox: the worker records it in its own
 * Prometheus registry with the order's trace id as the exemplar (the SDK's workflow metrics carry
 * none). Not called on replay, so a replayed order is not counted twice.
 */
export interface OrderMetricsSinks extends Sinks {
  orderMetrics: {
    finished(status: TerminalStatus, seconds: number, traceId: string | undefined): void;
  };
}
export const PAYMENT_WORKFLOW = 'paymentWorkflow';
export const USER_CONTEXT_WORKFLOW = 'userContextWorkflow';
export const orderWorkflowId = (orderId: string): string => `order-fulfillment-${orderId}`;
export const paymentWorkflowId = (orderId: string): string => `payment-${orderId}`;

/** userContextWorkflow's partial result so far. */
export const userContextQuery = defineQuery<UserContextResult>('userContext');
export const userContextWorkflowId = (userId: string): string => `user-context-${userId}`;

/** The scheduled workflows (Temporal Schedules `audit` and `restock`, managed by the API). */
export type AuditWorkflow = () => Promise<AuditReportSummary>;
export type RestockWorkflow = (input: RestockInput) => Promise<RestockResult>;
export const AUDIT_WORKFLOW = 'auditWorkflow';
export const RESTOCK_WORKFLOW = 'restockWorkflow';
/** Messages of subscriptionWorkflow (and `cancelSignal`, which it shares with the order). */
export const SubscriptionStatusKey = defineSearchAttributeKey('SubscriptionStatus', SearchAttributeType.KEYWORD);
export const subscriptionPauseSignal = defineSignal<[SubscriptionSignal]>('pause');
export const subscriptionResumeSignal = defineSignal<[SubscriptionSignal]>('resume');
export const subscriptionStatusQuery = defineQuery<SubscriptionState>('status');
/** This run's invoices (earlier runs' are in their own histories and in the payment ledger). */
export const invoicesQuery = defineQuery<Invoice[]>('invoices');
/** A plan change from the next period on; the validator refuses unknown and same plans and cancelled subscriptions. */
export const changePlanUpdate = defineUpdate<SubscriptionState, [ChangePlan]>('changePlan');
export type SubscriptionWorkflow = (input: SubscriptionInput) => Promise<SubscriptionState>;
export const SUBSCRIPTION_WORKFLOW = 'subscriptionWorkflow';
export const subscriptionWorkflowId = (subscriptionId: string): string => `subscription-${subscriptionId}`;
