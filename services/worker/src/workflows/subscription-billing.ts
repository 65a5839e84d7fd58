/**
 * One billing period of a subscription: the invoice, its charge through a child paymentWorkflow, and
 * dunning (retries spread over the grace window; past_due on the first failure, suspended when the
 * window is spent; a successful charge makes the subscription active again).
 */
import { ApplicationFailure, condition, executeChild, log, ParentClosePolicy } from '@temporalio/workflow';
import { findPlan, intervalMs, periodOrderId } from '@fake-stripe/kernel/subscription-contracts';
import type { Invoice, SubscriptionInput, SubscriptionState } from '@fake-stripe/kernel/subscription-contracts';
import type { FaultPlan, PaymentResult } from '@fake-stripe/kernel/contracts';
import { paymentWorkflow } from './payment.ts';

/** One run's working set: the carried state, this run's invoices and what is left of the fault plans. */
export interface SubscriptionRun {
  input: SubscriptionInput;
  state: SubscriptionState;
  invoices: Invoice[];
  faults: FaultPlan[];
  nextPeriodAtMs: number;
  /** Updates the status (and its search attribute) from billing, paused and cancelled. */
  publish: () => void;
}

/** Bills the next period, retrying a failed charge until paid, the grace window is spent, or a cancel. */
export async function billPeriod(run: SubscriptionRun): Promise<void> {
  const { input, state } = run;
  const startedAt = Date.now();
  // A changePlan Update takes effect here, at the start of the period after it.
  if (state.pendingPlanId) {
    state.planId = state.pendingPlanId;
    delete state.pendingPlanId;
  }
  const plan = findPlan(state.planId);
  // The validator and the API only let catalogue plans in; a plan removed since is a bug to fix, not to bill.
  if (!plan) throw ApplicationFailure.nonRetryable(`plan ${state.planId} is not in the catalogue`);
  state.period += 1;
  const invoice: Invoice = {
    period: state.period,
    orderId: periodOrderId(input.subscriptionId, state.period),
    planId: plan.id,
    amount: plan.amount,
    status: 'open',
    attempts: 0,
  };
  run.invoices.push(invoice);
  state.lastInvoice = invoice;
  run.nextPeriodAtMs = startedAt + (input.periodMs ?? intervalMs[plan.interval]);
  state.nextPeriodAt = new Date(run.nextPeriodAtMs).toISOString();

  const { retries, graceMs } = input.dunning;
  const retryEveryMs = retries > 0 ? Math.ceil(graceMs / retries) : 0;
  for (;;) {
    invoice.attempts += 1;
    const result = await charge(run, invoice);
    if (result.status === 'charged') {
      invoice.status = 'paid';
      if (result.captureId) invoice.captureId = result.captureId;
      delete invoice.error;
      state.paidPeriods += 1;
      state.totalPaid += invoice.amount;
      setBilling(run, 'active');
      return;
    }
    invoice.error = result.error ?? result.status;
    if (state.billing === 'active') setBilling(run, 'past_due');
    if (invoice.attempts > retries) {
      invoice.status = 'uncollectible';
      state.unpaidPeriods += 1;
      setBilling(run, 'suspended');
      return;
    }
    // A durable timer until the next retry; a cancel stops the dunning (the invoice is void).
    if (await condition(() => state.cancelled !== undefined, retryEveryMs)) {
      invoice.status = 'void';
      state.unpaidPeriods += 1;
      return;
    }
  }
}

function setBilling(run: SubscriptionRun, billing: SubscriptionState['billing']): void {
  run.state.billing = billing;
  run.publish();
}

/**
 * One charge attempt: a child paymentWorkflow per attempt (its id names the period and the attempt,
 * so each attempt has its own idempotency keys; the period's order id gathers them in the ledger).
 * REQUEST_CANCEL: if the subscription's run is closed under a charge (terminated, or reset), the charge
 * is cancelled, and its own cancel path refunds and releases what it took: no money moves for a
 * period no run will record. TERMINATE would cut it off mid-way with a hold left live; ABANDON would
 * let it capture unseen.
 */
async function charge(run: SubscriptionRun, invoice: Invoice): Promise<PaymentResult> {
  const { input } = run;
  const faults = run.faults.shift();
  const workflowId = `payment-${invoice.orderId}-A${invoice.attempts}`;
  invoice.paymentWorkflowId = workflowId;
  try {
    return await executeChild(paymentWorkflow, {
      workflowId,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      args: [
        {
          orderId: invoice.orderId,
          customerId: input.customerId,
          amount: invoice.amount,
          ...(faults && { faults }),
          ...(input.correlationId && { correlationId: input.correlationId }),
        },
      ],
    });
  } catch (err) {
    // paymentWorkflow answers declines as results; this is a child that failed, timed out or was
    // terminated: an unpaid attempt like a decline, which dunning retries.
    log.warn('charge failed', { orderId: invoice.orderId, attempt: invoice.attempts, error: String(err) });
    return { orderId: invoice.orderId, status: 'failed', compensations: [], error: String(err) };
  }
}
