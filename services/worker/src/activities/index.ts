import type { DomainClient } from '@fake-stripe/kernel';
import { DEFAULT_FRAUD_RULES, fraudActivities } from './fraud.ts';
import type { FraudRules } from './fraud.ts';
import type Stripe from 'stripe';
import { inventoryActivities } from './inventory.ts';
import { notificationActivities } from './notification.ts';
import { paymentActivities } from './payment.ts';
import { shippingActivities } from './shipping.ts';
import type { ShippingDeps } from './shipping.ts';

export type { CallContext, CompensationResult } from './calls.ts';
export { DEFAULT_FRAUD_RULES } from './fraud.ts';
export type { FraudRules } from './fraud.ts';

export interface ActivityDeps extends ShippingDeps {
  /** The payment service's own endpoints (its ledger; holds made before the saga spoke Stripe). */
  payment: DomainClient;
  /** The official `stripe` SDK pointed at the payment service's `/v1/` API (stripe-client.ts). */
  stripe: Stripe;
  inventory: DomainClient;
  notification: DomainClient;
  /** The fraud check's rules (the worker's config; DEFAULT_FRAUD_RULES when absent). */
  fraud?: FraudRules;
}

/** The order saga's and paymentWorkflow's activities, one module per domain they call. */
export const createActivities = (deps: ActivityDeps) => ({
  ...paymentActivities(deps),
  ...inventoryActivities(deps),
  ...shippingActivities(deps),
  ...notificationActivities(deps),
  ...fraudActivities(deps.fraud ?? DEFAULT_FRAUD_RULES),
});

export type Activities = ReturnType<typeof createActivities>;
