// The workflow bundle's entry: every workflow the worker runs.
export { orderFulfillmentWorkflow } from './order-fulfillment.ts';
export { paymentWorkflow } from './payment.ts';
export { userContextWorkflow } from './user-context.ts';
