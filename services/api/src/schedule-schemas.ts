/**
 * The schedule routes' schemas: what `/api/v1/schedules/...` and `/api/v1/audit/history` take and
 * answer (the one source for their validation, types and OpenAPI).
 */
import { queryIntSchema, restockInputSchema, scheduleNames, textSchema } from '@fake-stripe/kernel';
import { z } from 'zod';
import { auditResponse } from './schemas.ts';

export const scheduleParams = z
  .object({ name: z.enum(scheduleNames).meta({ description: '`audit` (the auditor) or `restock` (inventory)' }) })
  .strict();

const DAY_SECONDS = 24 * 3600;
export const createScheduleBody = z
  .object({
    everySeconds: z
      .number()
      .int()
      .min(10)
      .max(31 * DAY_SECONDS)
      .optional()
      .meta({ description: 'Interval between runs (default: audit 3600, restock 900)' }),
    paused: z.boolean().default(false).meta({ description: 'Create it paused (it runs only when triggered)' }),
    note: textSchema(200).optional(),
    restock: restockInputSchema.optional().meta({ description: 'The restock policy (restock only; defaults apply)' }),
  })
  .strict()
  .meta({ id: 'ScheduleRequest' });

// Optional as a whole (a pause needs no reason): the document then marks the body not required.
export const noteBody = z
  .object({ note: textSchema(200).optional() })
  .strict()
  .meta({ id: 'ScheduleNote', description: 'Why it is paused or unpaused (shown in the Temporal UI)' })
  .default({});

const isoTime = z.iso.datetime({ offset: true });
export const backfillBody = z
  .object({
    start: isoTime.meta({ description: 'From this time (ISO 8601)', example: '2026-01-01T00:00:00Z' }),
    end: isoTime.meta({ description: 'To this time (ISO 8601), after start, not in the future' }),
  })
  .strict()
  .refine((b) => Date.parse(b.end) > Date.parse(b.start), { path: ['end'], message: 'must be after start' })
  .meta({ id: 'BackfillRequest' });

const run = z.object({
  workflowId: z.string(),
  runId: z.string(),
  scheduledAt: z.string().optional(),
  startedAt: z.string().optional(),
});

export const scheduleSummary = z
  .object({
    name: z.string(),
    workflowType: z.string().nullable(),
    everySeconds: z.number().nullable(),
    paused: z.boolean(),
    note: z.string().nullable(),
    nextRuns: z.array(z.string()),
    recentRuns: z.array(run),
  })
  .meta({ id: 'ScheduleSummary' });

export const scheduleDescription = scheduleSummary
  .extend({
    overlap: z.string().meta({ description: 'What happens when a run is due while one is running' }),
    catchupWindowSeconds: z.number(),
    runsTaken: z.number().int(),
    skippedOverlap: z.number().int(),
    running: z.array(run.pick({ workflowId: true, runId: true })),
    args: z.array(z.unknown()),
    createdAt: z.string(),
  })
  .meta({ id: 'ScheduleDescription' });

export const scheduleList = z.object({ schedules: z.array(scheduleSummary) }).meta({ id: 'ScheduleList' });

export const scheduleAccepted = z
  .object({ name: z.string(), action: z.string(), accepted: z.literal(true) })
  .meta({ id: 'ScheduleActionAccepted' });

export const auditHistoryQuery = z
  .object({ limit: queryIntSchema(z.number().int().min(1).max(100)).default(20) })
  .strict();

export const auditHistoryResponse = z
  .object({
    runs: z.array(
      z.object({
        workflowId: z.string(),
        runId: z.string(),
        scheduleId: z.string().nullable().meta({ description: 'The schedule that started it, if one did' }),
        startedAt: z.string(),
        closedAt: z.string().nullable(),
        report: auditResponse,
      }),
    ),
  })
  .meta({ id: 'AuditHistory' });
