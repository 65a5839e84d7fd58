/**
 * The Temporal client side of the API that is not specific to orders: error mapping (once, here),
 * bounded calls, describe/result/history/cancel of any workflow, and payload and time decoding.
 */
import { AppError, conflict, notFound } from '@fake-stripe/kernel';
import {
  CancelledFailure,
  defaultPayloadConverter,
  isGrpcServiceError,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { z } from 'zod';
import type { resultResponse } from './schemas.ts';

// gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
const grpc = { CANCELLED: 1, INVALID_ARGUMENT: 3, DEADLINE_EXCEEDED: 4, NOT_FOUND: 5, UNAVAILABLE: 14 } as const;

/** The gRPC status code of an error or of its cause (the client wraps them in ServiceError). */
export function grpcCode(err: unknown): number | undefined {
  if (isGrpcServiceError(err)) return err.code;
  if (err instanceof Error && isGrpcServiceError(err.cause)) return err.cause.code;
  return undefined;
}

const timedOut = (cause: unknown): AppError =>
  new AppError({
    type: 'api_error',
    code: 'temporal_timeout',
    status: 504,
    message: 'Temporal did not answer in time.',
    expose: true,
    cause,
  });
const unavailable = (cause: unknown): AppError =>
  new AppError({
    type: 'api_error',
    code: 'temporal_unavailable',
    status: 503,
    message: 'Temporal is unavailable.',
    expose: true,
    cause,
  });

/** Temporal client errors mapped once to the one error body every service answers; unknown errors stay 500s. */
export function fromTemporal(err: unknown, workflowId?: string): unknown {
  if (err instanceof AppError) return err;
  if (err instanceof WorkflowNotFoundError)
    return notFound(`No such workflow: ${workflowId ?? err.workflowId}.`, 'workflowId');
  if (err instanceof WorkflowExecutionAlreadyStartedError)
    return conflict('workflow_exists', `Workflow ${err.workflowId} already exists.`, 'workflowId');
  // An Update refused by its validator (or failed by its handler) is the caller's conflict.
  if (err instanceof WorkflowUpdateFailedError) return conflict('update_rejected', err.cause?.message ?? err.message);
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return timedOut(err);
  switch (grpcCode(err)) {
    case grpc.NOT_FOUND:
      return notFound(`No such workflow: ${workflowId ?? ''}.`, 'workflowId');
    case grpc.DEADLINE_EXCEEDED:
    case grpc.CANCELLED:
      return timedOut(err);
    case grpc.UNAVAILABLE:
      return unavailable(err);
    default:
      return err;
  }
}

export type WorkflowResult = z.input<typeof resultResponse>;

/** Decodes one payload (heartbeat details, search attributes) with the default converter. */
export function decodePayload<T>(payload: unknown): T | undefined {
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload<T>(payload as Payload);
  } catch {
    return undefined;
  }
}

interface Timestamp {
  seconds?: { toNumber(): number } | number | string | null;
  nanos?: number | null;
}
/** A protobuf Timestamp (seconds may be a Long) as an ISO string. */
export function isoTime(ts: Timestamp | null | undefined): string | null {
  if (!ts || ts.seconds === null || ts.seconds === undefined) return null;
  const seconds = typeof ts.seconds === 'object' ? ts.seconds.toNumber() : Number(ts.seconds);
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
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

/** The `{progress}` heartbeat of a pending activity (of `activityType` when given), 0–100. */
export function heartbeatProgress(
  description: WorkflowExecutionDescription,
  activityType?: string,
): number | undefined {
  for (const activity of description.raw.pendingActivities ?? []) {
    if (activityType && activity.activityType?.name !== activityType) continue;
    const details = decodePayload<{ progress?: unknown }>(activity.heartbeatDetails?.payloads?.[0]);
    if (typeof details?.progress === 'number' && Number.isFinite(details.progress))
      return Math.max(0, Math.min(100, details.progress));
  }
  return undefined;
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

export interface Workflows {
  client: Client;
  /** Runs one Temporal call with a deadline, mapping its errors. */
  call<T>(workflowId: string | undefined, fn: () => Promise<T>): Promise<T>;
  describe(workflowId: string): Promise<WorkflowExecutionDescription>;
  /** The result if the workflow closes within `waitSeconds`, else `{status: 'running'}`. */
  result(
    workflowId: string,
    waitSeconds: number,
    hangUp?: AbortSignal,
    description?: WorkflowExecutionDescription,
  ): Promise<WorkflowResult>;
  history(workflowId: string): Promise<Array<{ eventId: number; eventType: string; time: string | null }>>;
  cancel(workflowId: string): Promise<void>;
}

export function createWorkflows(client: Client, callTimeoutMs: number): Workflows {
  async function call<T>(workflowId: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await client.withDeadline(Date.now() + callTimeoutMs, fn);
    } catch (err) {
      throw fromTemporal(err, workflowId);
    }
  }

  return {
    client,
    call,
    describe: (workflowId) => call(workflowId, () => client.workflow.getHandle(workflowId).describe()),

    async result(workflowId, waitSeconds, hangUp, described) {
      const handle = client.workflow.getHandle(workflowId);
      const description = described ?? (await call(workflowId, () => handle.describe()));
      const running = description.status.name === 'RUNNING';
      if (running && waitSeconds === 0) return { status: 'running' };
      // The result is a long poll: abort it when the wait is over or the caller hangs up. A closed
      // workflow's result is one read of its close event, whatever the wait.
      const stop = new AbortController();
      const timer = running ? setTimeout(() => stop.abort(), waitSeconds * 1000) : undefined;
      const onHangUp = (): void => stop.abort();
      hangUp?.addEventListener('abort', onHangUp);
      try {
        const result: unknown = await client.withAbortSignal(stop.signal, () => handle.result());
        return { status: 'completed', result };
      } catch (err) {
        if (err instanceof WorkflowFailedError) return closedWithFailure(err);
        if (stop.signal.aborted) return { status: 'running' };
        throw fromTemporal(err, workflowId);
      } finally {
        clearTimeout(timer);
        hangUp?.removeEventListener('abort', onHangUp);
      }
    },

    async history(workflowId) {
      const history = await call(workflowId, () => client.workflow.getHandle(workflowId).fetchHistory());
      return (history.events ?? []).map((event) => ({
        eventId: Number(event.eventId ?? 0),
        eventType: eventTypeName(event),
        time: isoTime(event.eventTime),
      }));
    },

    async cancel(workflowId) {
      const handle = client.workflow.getHandle(workflowId);
      const description = await call(workflowId, () => handle.describe());
      if (description.status.name !== 'RUNNING')
        throw conflict(
          'workflow_closed',
          `Workflow ${workflowId} is ${description.status.name}: there is nothing to cancel.`,
          'workflowId',
        );
      await call(workflowId, () => client.workflow.getHandle(workflowId, description.runId).cancel());
    },
  };
}
