import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';

export interface PaymentInput {
  orderId: string;
  customerId: string;
  amount: number;
  correlationId?: string;
}

export interface PaymentResult {
  orderId: string;
  status: 'charged' | 'failed' | 'cancelled';
  authorizationId?: string;
  captureId?: string;
  compensations: Array<{ step: string; outcome: string }>;
  error?: string;
}

const { processPaymentActivity } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '1 second', nonRetryableErrorTypes: ['card_declined'] },
});
const { refundPayment, releaseAuthorization } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '15 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * Charges an amount (authorize + capture in one activity); on failure or cancel it refunds what the
 * ledger shows was captured and releases what is still held.
 */
export async function paymentWorkflow(input: PaymentInput): Promise<PaymentResult> {
  const call = { orderId: input.orderId, ...(input.correlationId && { correlationId: input.correlationId }) };
  try {
    const charged = await processPaymentActivity({ ...call, customerId: input.customerId, amount: input.amount });
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
