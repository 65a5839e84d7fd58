/**
 * A subscription: bills a plan every period through a child paymentWorkflow (subscription-billing.ts),
 * waits for the next period on a durable timer, and continues as new every `periodsPerRun` periods
 * (or when Temporal suggests it) with its bounded state, so its history never grows without bound.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { findPlan, plans } from '@fake-stripe/kernel/subscription-contracts';
import type { ChangePlan, SubscriptionInput, SubscriptionState } from '@fake-stripe/kernel/subscription-contracts';
import {
  cancelSignal,
  changePlanUpdate,
  CustomerIdKey,
  invoicesQuery,
  subscriptionPauseSignal,
  subscriptionResumeSignal,
  subscriptionStatusQuery,
  SubscriptionStatusKey,
} from '@fake-stripe/kernel/workflow-definitions';
import type { SubscriptionWorkflow } from '@fake-stripe/kernel/workflow-definitions';
import { billPeriod } from './subscription-billing.ts';
import type { SubscriptionRun } from './subscription-billing.ts';

export async function subscriptionWorkflow(input: SubscriptionInput): Promise<SubscriptionState> {
  const run = startRun(input);
  handleMessages(run);
  upsertSearchAttributes([
    { key: CustomerIdKey, value: input.customerId },
    { key: SubscriptionStatusKey, value: run.state.status },
  ]);
  let billedThisRun = 0;
  for (;;) {
    await waitForNextPeriod(run);
    if (run.state.cancelled) break;
    await billPeriod(run);
    billedThisRun += 1;
    if (run.state.cancelled) break;
    if (billedThisRun >= input.periodsPerRun || workflowInfo().continueAsNewSuggested) {
      // Let running handlers (a changePlan Update) finish, so their effect is in the state carried.
      await condition(allHandlersFinished);
      log.info('continuing as new', { subscriptionId: input.subscriptionId, period: run.state.period });
      await continueAsNew<SubscriptionWorkflow>(nextRunInput(run));
    }
  }
  // Cancelled: the customer keeps the period paid for; the subscription ends with it.
  const left = run.nextPeriodAtMs - Date.now();
  if (left > 0) await sleep(left);
  await condition(allHandlersFinished);
  return run.state;
}

function startRun(input: SubscriptionInput): SubscriptionRun {
  const now = Date.now();
  const state: SubscriptionState = input.carried
    ? { ...input.carried, run: input.carried.run + 1 }
    : {
        subscriptionId: input.subscriptionId,
        customerId: input.customerId,
        paymentMethod: input.paymentMethod,
        status: 'active',
        billing: 'active',
        paused: false,
        planId: input.planId,
        period: 0,
        nextPeriodAt: new Date(now).toISOString(),
        paidPeriods: 0,
        unpaidPeriods: 0,
        totalPaid: 0,
        run: 1,
      };
  const run: SubscriptionRun = {
    input,
    state,
    invoices: [],
    faults: [...(input.faults ?? [])],
    nextPeriodAtMs: Date.parse(state.nextPeriodAt),
    publish: () => {
      const status = state.cancelled ? 'cancelled' : state.paused ? 'paused' : state.billing;
      if (status === state.status) return;
      state.status = status;
      upsertSearchAttributes([{ key: SubscriptionStatusKey, value: status }]);
      log.info('subscription status', { subscriptionId: input.subscriptionId, status });
    },
  };
  return run;
}

/** The next run's input: the same subscription, the state so far, and the fault plans not yet used. */
function nextRunInput({ input, state, faults }: SubscriptionRun): SubscriptionInput {
  const { faults: _used, carried: _previous, ...rest } = input;
  return { ...rest, planId: state.planId, ...(faults.length > 0 && { faults }), carried: state };
}

/** Waits on a durable timer for the next period; while paused, until resumed; a cancel ends the wait. */
async function waitForNextPeriod(run: SubscriptionRun): Promise<void> {
  const { state } = run;
  for (;;) {
    if (state.cancelled) return;
    const left = run.nextPeriodAtMs - Date.now();
    if (!state.paused && left <= 0) return;
    if (state.paused) await condition(() => !state.paused || state.cancelled !== undefined);
    else await condition(() => state.paused || state.cancelled !== undefined, left);
  }
}

/** cancel, pause and resume (signals), the status and invoices queries and the changePlan Update. */
function handleMessages(run: SubscriptionRun): void {
  const { state } = run;
  setHandler(subscriptionStatusQuery, () => state);
  setHandler(invoicesQuery, () => run.invoices);
  setHandler(cancelSignal, ({ by, reason }) => {
    if (state.cancelled) return;
    state.cancelled = { by, ...(reason && { reason }) };
    run.publish();
  });
  setHandler(subscriptionPauseSignal, () => {
    if (state.cancelled || state.paused) return;
    state.paused = true;
    run.publish();
  });
  setHandler(subscriptionResumeSignal, () => {
    if (!state.paused) return;
    state.paused = false;
    run.publish();
  });
  setHandler(
    changePlanUpdate,
    ({ planId }) => {
      if (planId === state.planId) delete state.pendingPlanId;
      else state.pendingPlanId = planId;
      return { ...state };
    },
    {
      // Refusals are synchronous: the caller gets the reason and nothing is written to the history.
      validator: ({ planId }: ChangePlan) => {
        if (state.cancelled) throw new Error('subscription is cancelled');
        if (!findPlan(planId)) throw new Error(`unknown plan ${planId} (plans: ${plans.map((p) => p.id).join(', ')})`);
        if (planId === (state.pendingPlanId ?? state.planId))
          throw new Error(
            state.pendingPlanId ? `plan ${planId} already starts next period` : `already on plan ${planId}`,
          );
      },
    },
  );
}
