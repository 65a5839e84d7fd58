import type { DomainClient } from '@fake-stripe/kernel';
import { inventoryActivities } from './inventory.ts';
import { notificationActivities } from './notification.ts';
import { paymentActivities } from './payment.ts';
import { shippingActivities } from './shipping.ts';
import type { ShippingDeps } from './shipping.ts';

export type { CallContext, CompensationResult } from './calls.ts';

export interface ActivityDeps extends ShippingDeps {
  payment: DomainClient;
  inventory: DomainClient;
  notification: DomainClient;
}

/** The order saga's and paymentWorkflow's activities, one module per domain they call. */
export const createActivities = (deps: ActivityDeps) => ({
  ...paymentActivities(deps),
  ...inventoryActivities(deps),
  ...shippingActivities(deps),
  ...notificationActivities(deps),
});

export type Activities = ReturnType<typeof createActivities>;
