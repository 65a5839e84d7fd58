import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
} from '@temporalio/workflow';
import type { PaymentInput, PaymentResult } from '@fake-stripe/kernel';
import type { Activities } from '../activities/index.ts';
import { compensationPolicy, transientBudget, waitCancel } from './activity-policies.ts';

const { processPaymentActivity } = proxyActivities<Activities>({
  // The saga's transient-fault budget (seed: 3 attempts 1 s apart, shorter than a service restart),
  // and its wait for a cancelled call to stop before the ledger-driven compensations read the ledger.
  ...waitCancel,
  ...transientBudget,
  // Two calls (authorize, capture) in one attempt, each with the 10 s client timeout.
  startToCloseTimeout: '30 seconds',
});
const { refundPayment, releaseAuthorization } = proxyActivities<Activities>(compensationPolicy());

/**
 * Charges an amount (authorize + capture in one activity); on failure or cancel it refunds what the
 * ledger shows was captured and releases what is still held.
 */
export async function paymentWorkflow(input: PaymentInput): Promise<PaymentResult> {
  const call = { orderId: input.orderId, ...(input.correlationId && { correlationId: input.correlationId }) };
  try {
    const charged = await processPaymentActivity({
      ...call,
      ...(input.faults && { faults: input.faults }),
      customerId: input.customerId,
      amount: input.amount,
    });
    return { orderId: input.orderId, status: 'charged', ...charged, compensations: [] };
  } catch (err) {
    const compensations = await CancellationScope.nonCancellable(async () => [
      { step: 'refundPayment', outcome: (await refundPayment(call)).outcome },
      { step: 'releaseAuthorization', outcome: (await releaseAuthorization(call)).outcome },
    ]);
    const cause = err instanceof ActivityFailure ? err.cause : err;
    return {
      orderId: input.orderId,
      status: isCancellation(err) ? 'cancelled' : 'failed',
      compensations,
      error: cause instanceof ApplicationFailure ? cause.message : String(cause),
    };
  }
}
