import { log, proxyActivities } from '@temporalio/workflow';
import type { AuditReportSummary } from '@fake-stripe/kernel';
import type { ScheduledActivities } from '../activities/scheduled.ts';
import { scheduledJobPolicy } from './activity-policies.ts';

const { runAuditor } = proxyActivities<ScheduledActivities>(scheduledJobPolicy);

/**
 * The recurring audit (the `audit` Schedule): runs the auditor and keeps its report as the workflow's
 * result, which `GET /api/v1/audit/history` lists. Violations are the report's content, not a
 * failure: the run completes either way, and fails only when the auditor could not run.
 */
export async function auditWorkflow(): Promise<AuditReportSummary> {
  const report = await runAuditor();
  const summary = { ok: report.ok, checkedOrders: report.checkedOrders, violations: report.violations.length };
  if (report.ok) log.info('audit passed', summary);
  else log.warn('audit found violations', summary);
  return report;
}
