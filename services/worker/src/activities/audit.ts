import { auditReportSummarySchema } from '@fake-stripe/kernel';
import type { AuditReportSummary, DomainClient } from '@fake-stripe/kernel';
import { classify } from './calls.ts';

/**
 * The auditor, run for auditWorkflow: the API's `GET /api/v1/audit`, whose auditor lists the orders
 * from Temporal's visibility and reads every domain ledger. One auditor, in one place, whether a person
 * or a schedule asks; the worker sends its SERVICE_TOKEN, which the API accepts for this read.
 */
export function auditActivities({ api }: { api: DomainClient }) {
  return {
    async runAuditor(): Promise<AuditReportSummary> {
      const body = await api.get<unknown>('/api/v1/audit').catch(classify);
      return auditReportSummarySchema.parse(body);
    },
  };
}
