/**
 * The API's Temporal plumbing: error mapping (once, here), bounded calls, and payload and time
 * decoding. Order commands, order queries and the generic workflow endpoints build on it.
 */
import { AppError, conflict, notFound } from '@fake-stripe/kernel';
import {
  defaultPayloadConverter,
  isGrpcServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { Payload } from '@temporalio/common';

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

/** Decodes one payload (heartbeat details, search attributes) with the default converter. */
export function decodePayload<T>(payload: Payload | null | undefined): T | undefined {
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload<T>(payload);
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

/** The Temporal client with the API's deadline on every call. */
export interface Temporal {
  client: Client;
  /** Runs one Temporal call with a deadline, mapping its errors (a function: callers destructure it). */
  call: <T>(workflowId: string | undefined, fn: () => Promise<T>) => Promise<T>;
}

export function createTemporal(client: Client, callTimeoutMs: number): Temporal {
  return {
    client,
    async call<T>(workflowId: string | undefined, fn: () => Promise<T>): Promise<T> {
      try {
        return await client.withDeadline(Date.now() + callTimeoutMs, fn);
      } catch (err) {
        throw fromTemporal(err, workflowId);
      }
    },
  };
}
