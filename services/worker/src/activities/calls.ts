/**
 * What every activity shares: its call context, how an answer is classified (definitive or
 * transient), and the options of its HTTP call (idempotency key, correlation, planned fault).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { AppError } from '@fake-stripe/kernel';
import type { CallOptions, DomainClient, FaultPlan } from '@fake-stripe/kernel';
import type { z } from 'zod';

/** What every activity gets besides its own fields: where to send correlation and faults. */
export interface CallContext {
  orderId: string;
  correlationId?: string;
  faults?: FaultPlan;
}

export interface CompensationResult {
  outcome: string;
  ids: string[];
}

/**
 * A definitive answer (a decline, out of stock, a bad address, an unknown id) is a non-retryable
 * ApplicationFailure; transient faults (5xx, 429, timeouts, a key still in flight) stay plain errors
 * so Temporal's retry policy retries them with the same idempotency key.
 */
export function classify(err: unknown): never {
  if (err instanceof AppError) {
    const transient =
      err.status >= 500 || err.status === 429 || err.status === 408 || err.code === 'idempotency_key_in_flight';
    if (!transient)
      throw ApplicationFailure.create({
        message: err.message,
        type: err.code,
        nonRetryable: true,
        details: [{ status: err.status, type: err.type, code: err.code, declineCode: err.declineCode }],
      });
  }
  throw err;
}

/** Idempotency key of this activity (stable across its retries), optionally per target id. */
function keyOf(suffix?: string): string {
  const info = Context.current().info;
  return [info.workflowExecution?.workflowId ?? info.workflowType, info.activityId, suffix].filter(Boolean).join('/');
}

export function callOptions(name: keyof FaultPlan, c: CallContext, suffix?: string, timeoutMs?: number): CallOptions {
  const { info, cancellationSignal } = Context.current();
  const planned = c.faults?.[name]?.[info.attempt - 1];
  return {
    idempotencyKey: keyOf(suffix),
    ...(c.correlationId && { correlationId: c.correlationId }),
    ...(planned && { chaosOutcome: planned }),
    signal: cancellationSignal,
    ...(timeoutMs && { timeoutMs }),
  };
}

export function compensationOptions(name: keyof FaultPlan, c: CallContext, target: string): CallOptions {
  return callOptions(name, c, `${target}/${Context.current().info.attempt}`);
}

/**
 * An order's ledger (`GET /{domain}/ledger?orderId=…`), parsed with the kernel's schema of it: a
 * compensation undoes only rows it could read as they are meant to be. An answer that does not parse
 * is a plain error, so Temporal retries it like any other transient fault.
 */
export async function readLedger<S extends z.ZodType>(
  client: DomainClient,
  domain: string,
  orderId: string,
  schema: S,
): Promise<z.output<S>> {
  return schema.parse(await client.get<unknown>(`/${domain}/ledger?orderId=${encodeURIComponent(orderId)}`));
}

/**
 * A compensation's undo: one call per id the ledger says is still live (its key carries the id and
 * the attempt), then what was done, or `nothing_to_do`.
 */
export async function undoEach(
  client: DomainClient,
  c: CallContext,
  step: keyof FaultPlan,
  call: { path: string; field: string },
  ids: string[],
  outcome: string,
): Promise<CompensationResult> {
  for (const id of ids) await client.post(call.path, { [call.field]: id }, compensationOptions(step, c, id));
  return { outcome: ids.length ? outcome : 'nothing_to_do', ids };
}
