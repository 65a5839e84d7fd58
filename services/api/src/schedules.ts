/**
 * The platform's Temporal Schedules, through the client's schedule API: `audit` starts auditWorkflow
 * (the auditor, whose reports are the runs' results) and `restock` starts restockWorkflow (inventory
 * top-up). Create, list, describe, pause, unpause, trigger now, backfill and delete; and the audit
 * history, read back from the completed audit runs.
 */
import pMap from 'p-map';
import { conflict, notFound, restockInputSchema } from '@fake-stripe/kernel';
import type { ScheduleName } from '@fake-stripe/kernel';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { ScheduleDescription, ScheduleExecutionResult, ScheduleSummary } from '@temporalio/client';
import { AUDIT_WORKFLOW, RESTOCK_WORKFLOW } from '@fake-stripe/kernel/workflow-definitions';
import type { AuditWorkflow } from '@fake-stripe/kernel/workflow-definitions';
import type { z } from 'zod';
import type {
  auditHistoryResponse,
  backfillBody,
  createScheduleBody,
  scheduleDescription,
  scheduleSummary,
} from './schedule-schemas.ts';
import { auditResponse } from './schemas.ts';
import type { Temporal } from './temporal.ts';

/** What each schedule starts, and how often by default. */
const jobs: Record<ScheduleName, { workflowType: string; everySeconds: number }> = {
  audit: { workflowType: AUDIT_WORKFLOW, everySeconds: 3600 },
  restock: { workflowType: RESTOCK_WORKFLOW, everySeconds: 900 },
};

/**
 * Overlap SKIP: a run due while the previous one still runs is dropped, not queued. An audit reads the
 * state as it is when it runs, so a queued second one adds nothing; two restocks at once would both
 * read the same shortfall and both top it up. A backfill asks for BUFFER_ALL instead: each missed
 * time of the window runs, one after another, never two at once.
 */
const OVERLAP = ScheduleOverlapPolicy.SKIP;
/** The server's smallest catch-up window: after an outage only runs missed within it are made up. */
const MIN_CATCHUP_SECONDS = 10;
/** Set by Temporal on every workflow a schedule starts (scheduled, triggered or backfilled). */
const ScheduledByKey = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);

type Summary = z.input<typeof scheduleSummary>;
type Description = z.input<typeof scheduleDescription>;
type AuditRun = z.input<typeof auditHistoryResponse>['runs'][number];

const iso = (d: Date): string => d.toISOString();
const runOf = (a: ScheduleExecutionResult) => ({
  workflowId: a.action.workflow.workflowId,
  runId: a.action.workflow.firstExecutionRunId,
  scheduledAt: iso(a.scheduledAt),
  startedAt: iso(a.takenAt),
});
const summaryOf = (name: string, s: ScheduleSummary | ScheduleDescription): Summary => {
  const every = s.spec?.intervals?.[0]?.every;
  return {
    name,
    workflowType: s.action?.workflowType ?? null,
    everySeconds: every === undefined ? null : every / 1000,
    paused: s.state.paused,
    note: s.state.note ?? null,
    nextRuns: s.info.nextActionTimes.map(iso),
    // Newest first (Temporal keeps the last ten, oldest first).
    recentRuns: s.info.recentActions.map(runOf).reverse(),
  };
};

export function createSchedules(t: Temporal, taskQueue: string) {
  const { client } = t;
  /** One schedule call, with the API's deadline and a 404/409 that name the schedule. */
  const call = <T>(name: string, fn: () => Promise<T>): Promise<T> =>
    t.call(undefined, () =>
      fn().catch((err: unknown) => {
        if (err instanceof ScheduleNotFoundError) throw notFound(`No such schedule: ${name}.`, 'name');
        if (err instanceof ScheduleAlreadyRunning)
          throw conflict('schedule_exists', `Schedule ${name} exists.`, 'name');
        throw err;
      }),
    );
  const handle = (name: ScheduleName) => client.schedule.getHandle(name);

  return {
    async create(name: ScheduleName, body: z.output<typeof createScheduleBody>): Promise<Description> {
      const everySeconds = body.everySeconds ?? jobs[name].everySeconds;
      const args = name === 'restock' ? [restockInputSchema.parse(body.restock ?? {})] : [];
      await call(name, () =>
        client.schedule.create({
          scheduleId: name,
          spec: { intervals: [{ every: everySeconds * 1000 }] },
          action: {
            type: 'startWorkflow',
            workflowType: jobs[name].workflowType,
            args,
            taskQueue,
            // Temporal appends the scheduled time: scheduled-audit-2026-01-01T00:00:00Z.
            workflowId: `scheduled-${name}`,
          },
          policies: {
            overlap: OVERLAP,
            catchupWindow: Math.max(everySeconds, MIN_CATCHUP_SECONDS) * 1000,
            // A failed run (the API or inventory down) must not stop the next ones.
            pauseOnFailure: false,
          },
          state: { paused: body.paused, ...(body.note && { note: body.note }) },
        }),
      );
      return this.describe(name);
    },

    /** Every schedule of the namespace (visibility: a new one shows after a moment). */
    async list(): Promise<Summary[]> {
      return call('*', async () => {
        const all: Summary[] = [];
        for await (const s of client.schedule.list()) all.push(summaryOf(s.scheduleId, s));
        return all.sort((a, b) => a.name.localeCompare(b.name));
      });
    },

    async describe(name: ScheduleName): Promise<Description> {
      const d = await call(name, () => handle(name).describe());
      return {
        ...summaryOf(name, d),
        // Unset is the server's default, SKIP.
        overlap: d.policies.overlap ?? ScheduleOverlapPolicy.SKIP,
        catchupWindowSeconds: d.policies.catchupWindow / 1000,
        runsTaken: d.info.numActionsTaken,
        skippedOverlap: d.info.numActionsSkippedOverlap,
        running: d.info.runningActions.map((a) => ({
          workflowId: a.workflow.workflowId,
          runId: a.workflow.firstExecutionRunId,
        })),
        args: Array.from<unknown>(d.action.args ?? []),
        createdAt: iso(d.info.createdAt),
      };
    },

    pause: (name: ScheduleName, note?: string) => call(name, () => handle(name).pause(note)),
    unpause: (name: ScheduleName, note?: string) => call(name, () => handle(name).unpause(note)),
    /** Runs it now, under the schedule's overlap policy (SKIP: not while a run is in flight). */
    trigger: (name: ScheduleName) => call(name, () => handle(name).trigger()),
    backfill: (name: ScheduleName, window: z.output<typeof backfillBody>) =>
      call(name, () =>
        handle(name).backfill({
          start: new Date(window.start),
          end: new Date(window.end),
          overlap: ScheduleOverlapPolicy.BUFFER_ALL,
        }),
      ),
    delete: (name: ScheduleName) => call(name, () => handle(name).delete()),

    /**
     * The latest completed audit runs, newest first, each with its report: the reports are the runs'
     * results, kept by Temporal for the namespace's retention (no store of the API's own).
     */
    async auditHistory(limit: number): Promise<AuditRun[]> {
      const query = `WorkflowType = '${AUDIT_WORKFLOW}' AND ExecutionStatus = 'Completed'`;
      const runs = await call('audit', async () => {
        const found = [];
        for await (const wf of client.workflow.list({ query })) {
          found.push(wf);
          if (found.length >= limit) break;
        }
        return found;
      });
      const withReports = await pMap(
        runs,
        async (wf) => ({
          workflowId: wf.workflowId,
          runId: wf.runId,
          scheduleId: wf.typedSearchAttributes.get(ScheduledByKey) ?? null,
          startedAt: iso(wf.startTime),
          closedAt: wf.closeTime ? iso(wf.closeTime) : null,
          report: auditResponse.parse(
            await call('audit', () => client.workflow.getHandle<AuditWorkflow>(wf.workflowId, wf.runId).result()),
          ),
        }),
        { concurrency: 4 },
      );
      return withReports.sort((a, b) => (b.closedAt ?? '').localeCompare(a.closedAt ?? ''));
    },
  };
}
export type Schedules = ReturnType<typeof createSchedules>;
