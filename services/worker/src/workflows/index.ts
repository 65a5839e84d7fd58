// The bundle's entry: every workflow the worker runs.
import type {
  OrderFulfillmentWorkflow,
  PaymentWorkflow,
  SubscriptionWorkflow,
  UserContextWorkflow,
} from '@fake-stripe/kernel/workflow-definitions';
import type { orderFulfillmentWorkflow } from './order-fulfillment.ts';
import type { paymentWorkflow } from './payment.ts';
import type { subscriptionWorkflow } from './subscription.ts';
import type { userContextWorkflow } from './user-context.ts';

export { orderFulfillmentWorkflow } from './order-fulfillment.ts';
export { paymentWorkflow } from './payment.ts';
export { subscriptionWorkflow } from './subscription.ts';
export { userContextWorkflow } from './user-context.ts';

/** A type error unless `Fn` is the signature clients start it by. */
type Fits<Fn extends Signature, Signature> = Fn;
/** Each workflow fits the kernel's signature that the API and the tools start it by. */
export type Signatures = [
  Fits<typeof orderFulfillmentWorkflow, OrderFulfillmentWorkflow>,
  Fits<typeof paymentWorkflow, PaymentWorkflow>,
  Fits<typeof subscriptionWorkflow, SubscriptionWorkflow>,
  Fits<typeof userContextWorkflow, UserContextWorkflow>,
];
