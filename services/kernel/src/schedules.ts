import { z } from 'zod';
import { skuSchema } from './schemas.ts';

/**
 * The recurring jobs (Temporal Schedules): their names, and the inputs and results of the workflows
 * they start. Shared by the API (which manages the schedules), the worker and the tools; zod only,
 * so workflow code may import its types.
 */
export const scheduleNames = ['audit', 'restock'] as const;
export type ScheduleName = (typeof scheduleNames)[number];

const units = z.number().int().min(1).max(1_000_000);

/** restockWorkflow's input: every SKU whose available stock is below `threshold` is topped up to `targetLevel`. */
export const restockInputSchema = z
  .object({
    threshold: units.default(10).meta({ description: 'Restock a SKU whose available units are below this' }),
    targetLevel: units.default(100).meta({ description: 'Available units a restocked SKU is brought up to' }),
  })
  .strict()
  .refine((r) => r.targetLevel >= r.threshold, { path: ['targetLevel'], message: 'must be at least threshold' })
  .meta({ id: 'RestockPolicy' });
export type RestockInput = z.output<typeof restockInputSchema>;

export const restockResultSchema = z
  .object({
    checkedSkus: z.number().int(),
    restocked: z.array(z.object({ sku: skuSchema, available: z.number().int(), added: z.number().int() })),
  })
  .meta({ id: 'RestockResult' });
export type RestockResult = z.infer<typeof restockResultSchema>;

/**
 * The auditor's report as auditWorkflow keeps it (its result): the body of `GET /api/v1/audit`, kept
 * whole. The fields named here are the ones the workflow reads; the API's audit schema is the full one.
 */
export const auditReportSummarySchema = z
  .object({ ok: z.boolean(), checkedOrders: z.number(), violations: z.array(z.unknown()), checkedAt: z.string() })
  .loose();
export type AuditReportSummary = z.infer<typeof auditReportSummarySchema>;
