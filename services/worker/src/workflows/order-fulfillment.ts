import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  isCancellation,
  log,
  metricMeter,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { isTerminalOrCompensating } from '@fake-stripe/kernel/contracts';
import type {
  CompensationStep,
  OperatorAction,
  OrderInput,
  OrderState,
  OrderStatus,
  OrderStep,
  TerminalStatus,
} from '@fake-stripe/kernel/contracts';
import type { Activities, CallContext, CompensationResult } from '../activities/index.ts';
import {
  approveSignal,
  cancelSignal,
  OrderStatusKey,
  operatorUpdate,
  progressQuery,
  rejectSignal,
  statusQuery,
  stepWeight,
} from '@fake-stripe/kernel/workflow-definitions';

const DEFAULT_APPROVAL_TIMEOUT_MS = 2 * 60 * 1000;
const DEFAULT_COMPENSATION_WINDOW_MS = 15 * 60 * 1000;

// Activity policies, each with why. Every activity's HTTP call carries an idempotency key
// derived from workflow id + activity id, so a retry never charges, reserves or ships twice.
// WAIT_CANCELLATION_COMPLETED: on cancel the workflow waits until the activity has really stopped
// (or finished), so the ledger-driven compensations never race an effect still landing.
const waitCancel = { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED };
// Business declines arrive as non-retryable ApplicationFailures (the activities classify answers).

/**
 * Transient faults (connection refused or reset, 5xx, 429, timeouts, a worker that died mid-call) are
 * retried for a time, not a count: a service restart takes seconds, and an attempt count spent in
 * one second of backoff ran out while the service was still down. Business answers are
 * non-retryable and never use this budget.
 */
const transientBudget = {
  // The per-call client timeout (10 s) turns a hung call into a retry; this only catches an attempt
  // whose worker died, so it is the client timeout plus a margin rather than 30 s.
  startToCloseTimeout: '15 seconds',
  scheduleToCloseTimeout: '60 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
} as const;

// Seed: payments 3 attempts (1 s, ×2), inventory 2 attempts (1 s), 30 s each; the counts only ever
// limited transient retries, so they became the time budget.
const payments = proxyActivities<Activities>({ ...waitCancel, ...transientBudget });
const stock = proxyActivities<Activities>({ ...waitCancel, ...transientBudget });
const labels = proxyActivities<Activities>({
  ...waitCancel,
  // Seed: 5 attempts, 60 s start-to-close. Heartbeat timeout 10 s so a dead worker is noticed in
  // seconds, not after the full minute. The label job outlives its request at the carrier, so a retry
  // (same key) only waits for what remains of it; attempts are bounded by time, as above, with room
  // for the label time itself.
  startToCloseTimeout: '60 seconds',
  heartbeatTimeout: '10 seconds',
  scheduleToCloseTimeout: '3 minutes',
  retry: transientBudget.retry,
});
const notifications = proxyActivities<Activities>({
  ...waitCancel,
  // Seed: 1 attempt, 10 s. The notification service honours Idempotency-Key, so a retry never sends
  // twice: retried like the others, bounded to 5 attempts (~15 s of backoff, longer than a restart),
  // because the order waits for it and ships without its e-mail after that.
  ...transientBudget,
  retry: { ...transientBudget.retry, maximumAttempts: 5 },
});
/** Compensations never give up silently: they retry with capped backoff for a long window. */
const compensationsFor = (windowMs: number) =>
  proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: windowMs,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  });

/**
 * The order saga: authorize → [approval] → reserve → capture → ship → notify. On failure,
 * rejection, approval timeout or cancel it compensates in reverse, each step only if it happened or
 * may have happened; compensations that keep failing park the order in `compensation_stuck` until an
 * operator's Update says retry or resolve.
 */
export async function orderFulfillmentWorkflow(input: OrderInput): Promise<OrderState> {
  const state: OrderState = {
    orderId: input.orderId,
    status: 'pending',
    completedSteps: [],
    compensations: [],
    progress: 0,
  };
  const call: CallContext = {
    orderId: input.orderId,
    ...(input.correlationId && { correlationId: input.correlationId }),
    ...(input.faults && { faults: input.faults }),
  };
  /** Steps that happened or may have happened (attempted without a definitive failure). */
  const touched = new Set<OrderStep>();
  let failedAt: OrderStep | undefined;
  let decision: { approved: boolean; by: string; reason?: string } | undefined;
  let cancelled: { by: string; reason?: string } | undefined;
  let operator: OperatorAction | undefined;

  const setStatus = (status: OrderStatus): void => {
    state.status = status;
    upsertSearchAttributes([{ key: OrderStatusKey, value: status }]);
    log.info('order status', { orderId: input.orderId, status });
  };
  const recompute = (): void => {
    state.progress = Math.min(
      100,
      state.completedSteps.reduce((sum, s) => sum + stepWeight[s], 0) +
        (input.requiresApproval ? 0 : stepWeight.approval),
    );
  };

  const main = new CancellationScope();
  setHandler(statusQuery, () => state);
  setHandler(progressQuery, () => state.progress);
  setHandler(approveSignal, ({ by }) => {
    decision ??= { approved: true, by };
  });
  setHandler(rejectSignal, ({ by, reason }) => {
    decision ??= { approved: false, by, ...(reason && { reason }) };
  });
  setHandler(cancelSignal, (c) => {
    // Once the label exists the parcel is on its way: a cancel is too late and is ignored (logged).
    if (cancelled || isTerminalOrCompensating(state.status) || state.completedSteps.includes('ship')) {
      log.info('cancel ignored', { orderId: input.orderId, status: state.status });
      return;
    }
    cancelled = c;
    main.cancel();
  });
  setHandler(
    operatorUpdate,
    (action) => {
      operator = action;
      // The state as the action found it, copied: the result is serialized only once the handler's
      // promise settles (some microtasks later behind the tracing interceptor), and by then the
      // saga has already moved on to `compensating` in this very activation.
      return { ...state, completedSteps: [...state.completedSteps], compensations: [...state.compensations] };
    },
    {
      validator: (action: OperatorAction) => {
        if (state.status !== 'compensation_stuck') throw new Error(`order is ${state.status}, not compensation_stuck`);
        if (action.action !== 'retry' && action.action !== 'resolve')
          throw new Error('action must be retry or resolve');
      },
    },
  );

  async function step<T>(name: OrderStep, status: OrderStatus, run: () => Promise<T>): Promise<T> {
    // A cancel that arrived while the previous activity finished: this step never starts.
    if (main.consideredCancelled) throw new CancelledFailure('order cancelled before this step');
    setStatus(status);
    state.currentStep = name;
    touched.add(name);
    try {
      const result = await run();
      state.completedSteps.push(name);
      recompute();
      return result;
    } catch (err) {
      // A definitive business failure means the step did not happen: nothing to undo for it.
      if (!isCancellation(err) && definitive(err)) touched.delete(name);
      failedAt = name;
      throw err;
    } finally {
      delete state.currentStep;
    }
  }

  let outcome: TerminalStatus = 'shipped';
  try {
    await main.run(async () => {
      const { authorizationId } = await step('authorize', 'authorizing', () =>
        payments.authorizePayment({
          ...call,
          customerId: input.customerId,
          amount: input.amount,
          currency: input.currency,
        }),
      );
      state.authorizationId = authorizationId;

      if (input.requiresApproval) {
        setStatus('awaiting_approval');
        state.currentStep = 'approval';
        const decided = await condition(
          () => decision !== undefined,
          input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
        );
        delete state.currentStep;
        if (!decided) decision = { approved: false, by: 'system', reason: 'approval timed out' };
        // The condition holds only once a signal decided, and the timeout decided otherwise.
        const final = decision;
        if (!final) throw new Error('The approval wait ended without a decision.');
        state.approval = {
          approved: final.approved,
          by: final.by,
          ...(final.reason && { reason: final.reason }),
          ...(!decided && { timedOut: true }),
        };
        if (!final.approved)
          throw ApplicationFailure.create({
            type: 'rejected',
            message: final.reason ?? `rejected by ${final.by}`,
            nonRetryable: true,
          });
        state.completedSteps.push('approval');
        recompute();
      }

      const { reservationId } = await step('reserve', 'reserving', () =>
        stock.reserveInventory({ ...call, items: input.items }),
      );
      state.reservationId = reservationId;
      const { captureId } = await step('capture', 'capturing', () =>
        payments.capturePayment({ ...call, authorizationId, amount: input.amount }),
      );
      state.captureId = captureId;
      const label = await step('ship', 'shipping', () =>
        labels.createShippingLabel({ ...call, address: input.shippingAddress, items: input.items }),
      );
      state.labelId = label.labelId;
      state.trackingNumber = label.trackingNumber;
      state.labelResumedFrom = label.resumedFrom;
      try {
        await step('notify', 'notifying', () =>
          notifications.sendNotification({ ...call, to: input.customerEmail, template: 'order_shipped' }),
        );
      } catch (err) {
        if (isCancellation(err)) throw err;
        // Non-critical: the order ships without its e-mail.
        state.notificationFailed = true;
        log.warn('notification failed; order still ships', { orderId: input.orderId, error: String(err) });
      }
    });
  } catch (err) {
    if (isCancellation(err)) {
      // The cancel signal, or a cancellation of the whole workflow.
      const by = cancelled?.by ?? 'workflow cancellation';
      outcome = 'cancelled';
      state.failure = {
        step: failedAt ?? state.currentStep ?? 'cancel',
        type: 'cancelled',
        message: `cancelled by ${by}${cancelled?.reason ? `: ${cancelled.reason}` : ''}`,
      };
    } else if (state.approval && !state.approval.approved) {
      outcome = 'rejected';
      state.failure = {
        step: 'approval',
        type: state.approval.timedOut ? 'approval_timeout' : 'rejected',
        message: state.approval.reason ?? `rejected by ${state.approval.by}`,
      };
    } else {
      outcome = 'failed';
      state.failure = describeFailure(err, failedAt ?? 'unknown');
    }
  }

  if (outcome !== 'shipped') {
    setStatus('compensating');
    await compensate(input, call, touched, state, {
      stuck: async () => {
        setStatus('compensation_stuck');
        metricMeter
          .createCounter('fake_stripe_orders_stuck_total', 'orders', 'Times an order parked in compensation_stuck')
          .add(1);
        operator = undefined;
        // The operator Update's handler sets it; the wait ends once it has (read after it, not narrowed).
        const action = await condition(() => operator !== undefined).then(() => operator);
        if (!action) throw new Error('The operator wait ended without an action.');
        if (action.action === 'resolve') return { resolve: action.note ?? 'resolved by operator' };
        setStatus('compensating');
        return { resolve: undefined };
      },
    });
  }
  setStatus(outcome);
  if (outcome === 'shipped') state.progress = 100;
  recordMetrics(state);
  return state;
}

/** Order outcomes, durations and compensations, exported with the SDK's worker metrics. */
function recordMetrics(state: OrderState): void {
  metricMeter
    .createCounter('fake_stripe_orders_total', 'orders', 'Orders finished, by final status')
    .add(1, { status: state.status });
  metricMeter
    // Milliseconds: the SDK's default histogram buckets are in milliseconds.
    .createHistogram('fake_stripe_order_duration_milliseconds', 'int', 'ms', 'Order start to final status')
    .record(Date.now() - workflowInfo().startTime.getTime(), { status: state.status });
  const compensations = metricMeter.createCounter(
    'fake_stripe_compensations_total',
    'compensations',
    'Compensations run, by step and outcome',
  );
  for (const c of state.compensations) compensations.add(1, { step: c.step, outcome: c.outcome });
  if (state.status === 'shipped' && state.notificationFailed)
    metricMeter
      .createCounter(
        'fake_stripe_orders_shipped_without_email_total',
        'orders',
        'Orders shipped whose e-mail could not be sent after its retries',
      )
      .add(1);
}

function definitive(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure && cause.nonRetryable === true;
}

function describeFailure(err: unknown, step: string): NonNullable<OrderState['failure']> {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure)
    return { step, ...(cause.type && { type: cause.type }), message: cause.message };
  return { step, message: cause instanceof Error ? cause.message : String(cause) };
}

/** Reverse order; each only if its step happened or may have happened. */
async function compensate(
  input: OrderInput,
  call: CallContext,
  touched: Set<OrderStep>,
  state: OrderState,
  hooks: { stuck: () => Promise<{ resolve: string | undefined }> },
): Promise<void> {
  const plan: Array<[CompensationStep, OrderStep]> = [
    ['cancelLabel', 'ship'],
    ['refundPayment', 'capture'],
    ['releaseInventory', 'reserve'],
    // Only while not captured: a captured hold is consumed (and refunded above), not released.
    ['releaseAuthorization', 'authorize'],
  ];
  const due = plan.filter(
    ([, s]) => touched.has(s) && !(s === 'authorize' && state.completedSteps.includes('capture')),
  );
  const acts = compensationsFor(input.compensationWindowMs ?? DEFAULT_COMPENSATION_WINDOW_MS);
  // Compensations run even when the order was cancelled: they are not cancellable.
  await CancellationScope.nonCancellable(async () => {
    for (const [name] of due) {
      for (;;) {
        try {
          const result: CompensationResult = await acts[name](call);
          state.compensations.push({
            step: name,
            outcome: result.outcome,
            ...(result.ids.length && { ids: result.ids }),
          });
          break;
        } catch (err) {
          const message = err instanceof ActivityFailure && err.cause ? err.cause.message : String(err);
          log.error('compensation keeps failing; parking the order', {
            orderId: input.orderId,
            step: name,
            error: message,
          });
          const { resolve } = await hooks.stuck();
          if (resolve !== undefined) {
            state.compensations.push({ step: name, outcome: 'resolved_by_operator', error: message });
            break;
          }
        }
      }
    }
  });
}
