import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  isCancellation,
  log,
  metricMeter,
  patched,
  proxyActivities,
  proxySinks,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { trace } from '@opentelemetry/api';
import { isTerminalOrCompensating, visibilityStatus } from '@fake-stripe/kernel/contracts';
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
  compensationPolicy,
  DEFAULT_COMPENSATION_WINDOW_MS,
  transientBudget,
  waitCancel,
} from './activity-policies.ts';
import { FRAUD_CHECK_PATCH, VISIBILITY_STATUS_PATCH } from './patches.ts';
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
import type { OrderMetricsSinks } from '@fake-stripe/kernel/workflow-definitions';

const DEFAULT_APPROVAL_TIMEOUT_MS = 2 * 60 * 1000;

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
const screening = proxyActivities<Activities>({ ...waitCancel, ...transientBudget });
const { orderMetrics } = proxySinks<OrderMetricsSinks>();
const compensationsFor = (windowMs: number) => proxyActivities<Activities>(compensationPolicy(windowMs));

/**
 * The order saga: authorize → [approval] → reserve → capture → ship → notify. On failure,
 * rejection, approval timeout or cancel it compensates in reverse, each step only if it happened or
 * may have happened; compensations that keep failing park the order in `compensation_stuck` until an
 * operator's Update says retry or resolve.
 */
export async function orderFulfillmentWorkflow(input: OrderInput): Promise<OrderState> {
  const run = startRun(input);
  handleMessages(run);
  let outcome: TerminalStatus = 'shipped';
  try {
    await run.main.run(() => forwardSteps(run));
  } catch (err) {
    outcome = failureOutcome(run, err);
  }
  if (outcome !== 'shipped') {
    setStatus(run, 'compensating');
    await compensate(run, { stuck: () => awaitOperator(run) });
  }
  setStatus(run, outcome);
  if (outcome === 'shipped') run.state.progress = 100;
  recordMetrics(run.state, outcome);
  return run.state;
}

/** One order's run: its input and state, and what its signals and Update delivered. */
interface OrderRun {
  input: OrderInput;
  call: CallContext;
  state: OrderState;
  /** Steps that happened or may have happened (attempted without a definitive failure). */
  touched: Set<OrderStep>;
  failedAt: OrderStep | 'fraudCheck' | undefined;
  decision: { approved: boolean; by: string; reason?: string } | undefined;
  cancelled: { by: string; reason?: string } | undefined;
  operator: OperatorAction | undefined;
  /** The forward steps' scope: an accepted cancel cancels it. */
  main: CancellationScope;
}

function startRun(input: OrderInput): OrderRun {
  return {
    input,
    call: {
      orderId: input.orderId,
      ...(input.correlationId && { correlationId: input.correlationId }),
      ...(input.faults && { faults: input.faults }),
    },
    state: { orderId: input.orderId, status: 'pending', completedSteps: [], compensations: [], progress: 0 },
    touched: new Set<OrderStep>(),
    failedAt: undefined,
    decision: undefined,
    cancelled: undefined,
    operator: undefined,
    main: new CancellationScope(),
  };
}

/**
 * The exact status goes to the state (the status query); the OrderStatus search attribute gets its
 * visibility status, upserted only when that changes (the API starts the order `in_progress`). Orders
 * that ran this point on the old code replay their upsert at every step (patched() is false there).
 */
function setStatus({ input, state }: OrderRun, status: OrderStatus): void {
  state.status = status;
  log.info('order status', { orderId: input.orderId, status });
  if (!patched(VISIBILITY_STATUS_PATCH)) {
    upsertSearchAttributes([{ key: OrderStatusKey, value: status }]);
    return;
  }
  const listed = visibilityStatus(status);
  // The start's attributes and every upsert so far, as the SDK keeps them: deterministic on replay.
  if (workflowInfo().typedSearchAttributes.get(OrderStatusKey) !== listed)
    upsertSearchAttributes([{ key: OrderStatusKey, value: listed }]);
}

function recompute({ input, state }: OrderRun): void {
  state.progress = Math.min(
    100,
    state.completedSteps.reduce((sum, s) => sum + stepWeight[s], 0) +
      (input.requiresApproval ? 0 : stepWeight.approval),
  );
}

/** The queries, the approve/reject/cancel signals and the operator Update. */
function handleMessages(run: OrderRun): void {
  const { input, state } = run;
  setHandler(statusQuery, () => state);
  setHandler(progressQuery, () => state.progress);
  setHandler(approveSignal, ({ by }) => {
    run.decision ??= { approved: true, by };
  });
  setHandler(rejectSignal, ({ by, reason }) => {
    run.decision ??= { approved: false, by, ...(reason && { reason }) };
  });
  setHandler(cancelSignal, (c) => {
    // Once the label exists the parcel is on its way: a cancel is too late and is ignored (logged).
    if (run.cancelled || isTerminalOrCompensating(state.status) || state.completedSteps.includes('ship')) {
      log.info('cancel ignored', { orderId: input.orderId, status: state.status });
      return;
    }
    run.cancelled = c;
    run.main.cancel();
  });
  setHandler(
    operatorUpdate,
    (action) => {
      run.operator = action;
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
}

/** One forward step: its status while it runs, and whether it happened, may have happened or failed. */
async function step<T>(run: OrderRun, name: OrderStep, status: OrderStatus, work: () => Promise<T>): Promise<T> {
  const { state, touched } = run;
  // A cancel that arrived while the previous activity finished: this step never starts.
  if (run.main.consideredCancelled) throw new CancelledFailure('order cancelled before this step');
  setStatus(run, status);
  state.currentStep = name;
  touched.add(name);
  try {
    const result = await work();
    state.completedSteps.push(name);
    recompute(run);
    return result;
  } catch (err) {
    // A definitive business failure means the step did not happen: nothing to undo for it.
    if (!isCancellation(err) && definitive(err)) touched.delete(name);
    run.failedAt = name;
    throw err;
  } finally {
    delete state.currentStep;
  }
}

/** authorize → [approval] → reserve → capture → ship → notify; throws at the first step that fails. */
async function forwardSteps(run: OrderRun): Promise<void> {
  const { input, call, state } = run;
  const { authorizationId } = await step(run, 'authorize', 'authorizing', () =>
    payments.authorizePayment({
      ...call,
      customerId: input.customerId,
      amount: input.amount,
      currency: input.currency,
    }),
  );
  state.authorizationId = authorizationId;

  if (input.requiresApproval) await awaitApproval(run);

  const { reservationId } = await step(run, 'reserve', 'reserving', () =>
    stock.reserveInventory({ ...call, items: input.items }),
  );
  state.reservationId = reservationId;
  // Added while orders were running: an order that passed this point on the old code replays
  // without the check (patched() is false there); every other order is screened before capture.
  if (patched(FRAUD_CHECK_PATCH)) await screenForFraud(run);
  const { captureId } = await step(run, 'capture', 'capturing', () =>
    payments.capturePayment({ ...call, authorizationId, amount: input.amount }),
  );
  state.captureId = captureId;
  const label = await step(run, 'ship', 'shipping', () =>
    labels.createShippingLabel({ ...call, address: input.shippingAddress, items: input.items }),
  );
  state.labelId = label.labelId;
  state.trackingNumber = label.trackingNumber;
  state.labelResumedFrom = label.resumedFrom;
  try {
    await step(run, 'notify', 'notifying', () =>
      notifications.sendNotification({ ...call, to: input.customerEmail, template: 'order_shipped' }),
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    // Non-critical: the order ships without its e-mail.
    state.notificationFailed = true;
    log.warn('notification failed; order still ships', { orderId: input.orderId, error: String(err) });
  }
}

/**
 * The fraud check: the worker's rules screen the order (an amount below its threshold passes
 * unscreened); a refusal fails the order before capture and the saga releases stock and hold.
 */
async function screenForFraud(run: OrderRun): Promise<void> {
  const { input, call, state } = run;
  if (run.main.consideredCancelled) throw new CancelledFailure('order cancelled before the fraud check');
  try {
    state.fraudCheck = await screening.screenOrder({ ...call, customerId: input.customerId, amount: input.amount });
  } catch (err) {
    run.failedAt = 'fraudCheck';
    throw err;
  }
}

/** A manager's approve or reject signal, or the approval timeout (a rejection); a rejection throws. */
async function awaitApproval(run: OrderRun): Promise<void> {
  const { input, state } = run;
  setStatus(run, 'awaiting_approval');
  state.currentStep = 'approval';
  const decided = await condition(
    () => run.decision !== undefined,
    input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
  );
  delete state.currentStep;
  if (!decided) run.decision = { approved: false, by: 'system', reason: 'approval timed out' };
  // The condition holds only once a signal decided, and the timeout decided otherwise.
  const final = run.decision;
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
  recompute(run);
}

/** Why the forward steps ended (a cancel, a rejection, a failure), recorded in the state as its outcome. */
function failureOutcome(run: OrderRun, err: unknown): TerminalStatus {
  const { state, cancelled } = run;
  if (isCancellation(err)) {
    // The cancel signal, or a cancellation of the whole workflow.
    const by = cancelled?.by ?? 'workflow cancellation';
    state.failure = {
      step: run.failedAt ?? state.currentStep ?? 'cancel',
      type: 'cancelled',
      message: `cancelled by ${by}${cancelled?.reason ? `: ${cancelled.reason}` : ''}`,
    };
    return 'cancelled';
  }
  if (state.approval && !state.approval.approved) {
    state.failure = {
      step: 'approval',
      type: state.approval.timedOut ? 'approval_timeout' : 'rejected',
      message: state.approval.reason ?? `rejected by ${state.approval.by}`,
    };
    return 'rejected';
  }
  state.failure = describeFailure(err, run.failedAt ?? 'unknown');
  return 'failed';
}

/** Parks the order in `compensation_stuck` until an operator's Update: resolve (with its note) or retry. */
async function awaitOperator(run: OrderRun): Promise<{ resolve: string | undefined }> {
  setStatus(run, 'compensation_stuck');
  metricMeter
    .createCounter('fake_stripe_orders_stuck_total', 'orders', 'Times an order parked in compensation_stuck')
    .add(1);
  run.operator = undefined;
  // The operator Update's handler sets it; the wait ends once it has (read after it, not narrowed).
  const action = await condition(() => run.operator !== undefined).then(() => run.operator);
  if (!action) throw new Error('The operator wait ended without an action.');
  if (action.action === 'resolve') return { resolve: action.note ?? 'resolved by operator' };
  setStatus(run, 'compensating');
  return { resolve: undefined };
}

/**
 * Order outcomes and compensations, exported with the SDK's worker metrics; the fulfilment time goes
 * out through a sink with the order's trace id (the RunWorkflow span's), as the exemplar the SDK's
 * metrics cannot carry.
 */
function recordMetrics(state: OrderState, outcome: TerminalStatus): void {
  metricMeter
    .createCounter('fake_stripe_orders_total', 'orders', 'Orders finished, by final status')
    .add(1, { status: outcome });
  orderMetrics.finished(
    outcome,
    (Date.now() - workflowInfo().startTime.getTime()) / 1000,
    trace.getActiveSpan()?.spanContext().traceId,
  );
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
  { input, call, touched, state }: OrderRun,
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
