/**
 * The activity policies of every workflow, each with why: one place, so the order saga and
 * paymentWorkflow cannot drift apart. Every activity's HTTP call carries an idempotency key derived
 * from workflow id + activity id, so a retry never charges, reserves or ships twice. Business declines
 * arrive as non-retryable ApplicationFailures (the activities classify answers) and never retry.
 */
import { ActivityCancellationType } from '@temporalio/workflow';

/**
 * WAIT_CANCELLATION_COMPLETED: on cancel the workflow waits until the activity has really stopped (or
 * finished), so the ledger-driven compensations never race an effect still landing.
 */
export const waitCancel = { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };

/**
 * Transient faults (connection refused or reset, 5xx, 429, timeouts, a worker that died mid-call) are
 * retried for a time, not a count: a service restart takes seconds, and an attempt count spent in
 * one second of backoff ran out while the service was still down. Business answers are
 * non-retryable and never use this budget.
 */
export const transientBudget = {
  // The per-call client timeout (10 s) turns a hung call into a retry; this only catches an attempt
  // whose worker died, so it is the client timeout plus a margin rather than 30 s.
  startToCloseTimeout: '15 seconds',
  scheduleToCloseTimeout: '60 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
} as const;

export const DEFAULT_COMPENSATION_WINDOW_MS = 15 * 60 * 1000;

/** Compensations never give up silently: they retry with capped backoff for a long window. */
export const compensationPolicy = (windowMs: number = DEFAULT_COMPENSATION_WINDOW_MS) =>
  ({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: windowMs,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  }) as const;

/**
 * The scheduled jobs' activities (the auditor, the restock): an audit reads every order's ledgers
 * through the API and may take a minute (the worker's AUDIT_TIMEOUT_MS client timeout is below the
 * 2 minutes here); transient faults are retried for 10 minutes, well inside the schedules' intervals,
 * after which the run fails and the schedule's next one starts afresh.
 */
export const scheduledJobPolicy = {
  startToCloseTimeout: '2 minutes',
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;
