/**
 * The generic workflow endpoints' Temporal calls, for any workflow type: describe, result (a long
 * poll bounded by the caller's wait), history and cancel.
 */
import { conflict } from '@fake-stripe/kernel';
import { CancelledFailure, TerminatedFailure, TimeoutFailure, WorkflowFailedError } from '@temporalio/client';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { z } from 'zod';
import type { resultResponse } from './schemas.ts';
import { fromTemporal, isoTime } from './temporal.ts';
import type { Temporal } from './temporal.ts';

export type WorkflowResult = z.input<typeof resultResponse>;
export type HistoryEvent = { eventId: number; eventType: string; time: string | null };

export const describeWorkflow = (
  { client, call }: Temporal,
  workflowId: string,
): Promise<WorkflowExecutionDescription> => call(workflowId, () => client.workflow.getHandle(workflowId).describe());

/** The result if the workflow closes within `waitSeconds`, else `{status: 'running'}`. */
export async function workflowResult(
  t: Temporal,
  workflowId: string,
  waitSeconds: number,
  hangUp?: AbortSignal,
  described?: WorkflowExecutionDescription,
): Promise<WorkflowResult> {
  const handle = t.client.workflow.getHandle(workflowId);
  const description = described ?? (await describeWorkflow(t, workflowId));
  const running = description.status.name === 'RUNNING';
  if (running && waitSeconds === 0) return { status: 'running' };
  // The result is a long poll: abort it when the wait is over or the caller hangs up. A closed
  // workflow's result is one read of its close event, whatever the wait.
  const stop = new AbortController();
  const timer = running ? setTimeout(() => stop.abort(), waitSeconds * 1000) : undefined;
  const onHangUp = (): void => stop.abort();
  hangUp?.addEventListener('abort', onHangUp);
  try {
    const result: unknown = await t.client.withAbortSignal(stop.signal, () => handle.result());
    return { status: 'completed', result };
  } catch (err) {
    if (err instanceof WorkflowFailedError) return closedWithFailure(err);
    if (stop.signal.aborted) return { status: 'running' };
    throw fromTemporal(err, workflowId);
  } finally {
    clearTimeout(timer);
    hangUp?.removeEventListener('abort', onHangUp);
  }
}

export async function workflowHistory({ client, call }: Temporal, workflowId: string): Promise<HistoryEvent[]> {
  const history = await call(workflowId, () => client.workflow.getHandle(workflowId).fetchHistory());
  return (history.events ?? []).map((event) => ({
    eventId: Number(event.eventId ?? 0),
    eventType: eventTypeName(event),
    time: isoTime(event.eventTime),
  }));
}

/** Requests cancellation of a running workflow; 409 when it has already closed. */
export async function cancelWorkflow(t: Temporal, workflowId: string): Promise<void> {
  const description = await describeWorkflow(t, workflowId);
  if (description.status.name !== 'RUNNING')
    throw conflict(
      'workflow_closed',
      `Workflow ${workflowId} is ${description.status.name}: there is nothing to cancel.`,
      'workflowId',
    );
  await t.call(workflowId, () => t.client.workflow.getHandle(workflowId, description.runId).cancel());
}

/** Why a closed workflow did not complete, as the result endpoints report it. */
function closedWithFailure(err: WorkflowFailedError): WorkflowResult {
  const cause = err.cause;
  const status =
    cause instanceof CancelledFailure
      ? 'cancelled'
      : cause instanceof TerminatedFailure
        ? 'terminated'
        : cause instanceof TimeoutFailure
          ? 'timed_out'
          : 'failed';
  const type = (cause as { type?: unknown } | undefined)?.type;
  return {
    status,
    error: { ...(typeof type === 'string' && { type }), message: cause?.message || err.message },
  };
}

/** `EVENT_TYPE_WORKFLOW_EXECUTION_STARTED` → `WorkflowExecutionStarted` (as the Temporal UI names it). */
export function eventTypeName(event: { eventType?: unknown }): string {
  // Events are protobufjs messages: toJSON() renders enums by name.
  const json = (event as { toJSON?: () => { eventType?: unknown } }).toJSON?.();
  const raw = typeof json?.eventType === 'string' ? json.eventType : String(event.eventType);
  if (!raw.startsWith('EVENT_TYPE_')) return raw;
  return raw
    .slice('EVENT_TYPE_'.length)
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

export interface Workflows extends Temporal {
  describe(workflowId: string): Promise<WorkflowExecutionDescription>;
  result(workflowId: string, waitSeconds: number, hangUp?: AbortSignal): Promise<WorkflowResult>;
  history(workflowId: string): Promise<HistoryEvent[]>;
  cancel(workflowId: string): Promise<void>;
}

/** The generic endpoints' calls bound to one client, as the routes use them. */
export const createWorkflows = (t: Temporal): Workflows => ({
  ...t,
  describe: (workflowId) => describeWorkflow(t, workflowId),
  result: (workflowId, waitSeconds, hangUp) => workflowResult(t, workflowId, waitSeconds, hangUp),
  history: (workflowId) => workflowHistory(t, workflowId),
  cancel: (workflowId) => cancelWorkflow(t, workflowId),
});
