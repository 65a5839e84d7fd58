import type { DomainClient } from '@fake-stripe/kernel';
import { auditActivities } from './audit.ts';
import { restockActivities } from './restock.ts';

export interface ScheduledDeps {
  /** The API, with the worker's SERVICE_TOKEN (the auditor's endpoint). */
  api: DomainClient;
  /** The inventory service with ADMIN_TOKEN (its restock endpoint is an admin action). */
  inventoryAdmin: DomainClient;
}

/** The activities of the scheduled workflows (auditWorkflow, restockWorkflow). */
export const createScheduledActivities = (deps: ScheduledDeps) => ({
  ...auditActivities(deps),
  ...restockActivities({ inventory: deps.inventoryAdmin }),
});
export type ScheduledActivities = ReturnType<typeof createScheduledActivities>;
