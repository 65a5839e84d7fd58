import { log, proxyActivities } from '@temporalio/workflow';
import type { RestockInput, RestockResult } from '@fake-stripe/kernel';
import type { ScheduledActivities } from '../activities/scheduled.ts';
import { scheduledJobPolicy } from './activity-policies.ts';

const { restockLowStock } = proxyActivities<ScheduledActivities>(scheduledJobPolicy);

/** The recurring restock (the `restock` Schedule): tops up every SKU below the policy's threshold. */
export async function restockWorkflow(policy: RestockInput): Promise<RestockResult> {
  const result = await restockLowStock(policy);
  log.info('restock done', { checkedSkus: result.checkedSkus, restocked: result.restocked.length });
  return result;
}
