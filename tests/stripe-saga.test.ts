/**
 * The order saga speaks Stripe: its payment activities go through the official `stripe` SDK to the
 * payment service's `/v1/` API, so every hold is a PaymentIntent an integrator can read with the SDK,
 * a retried capture replays through the SDK's idempotencyKey, compensations cancel and refund through
 * it, and the auditor (reading `/payment/ledger`) still finds nothing wrong.
 */
import { LOCAL_STRIPE_SECRET_KEY } from '@fake-stripe/kernel';
import type { OrderInput, OrderState, PaymentLedger } from '@fake-stripe/kernel';
import { getJson } from '@fake-stripe/kernel/testing';
import { ORDER_WORKFLOW, orderWorkflowId } from '@fake-stripe/kernel/workflow-definitions';
import type { orderFulfillmentWorkflow } from '@fake-stripe/worker/workflows';
import Stripe from 'stripe';
import { auditOnceSeen } from './batch.ts';
import { orderInput, startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

let p: Platform;
let apiUrl: string;
let stripe: Stripe;

beforeAll(async () => {
  p = await startPlatform();
  await p.startWorker();
  apiUrl = (await p.startApi()).url;
  stripe = new Stripe(LOCAL_STRIPE_SECRET_KEY, {
    host: '127.0.0.1',
    port: new URL(p.urls.payment).port,
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
}, 120_000);
afterAll(() => p?.stop(), 60_000);

const run = async (overrides: Partial<OrderInput>): Promise<{ input: OrderInput; result: OrderState }> => {
  const input = orderInput({ compensationWindowMs: 3_000, ...overrides });
  const handle = await p.env.client.workflow.start<typeof orderFulfillmentWorkflow>(ORDER_WORKFLOW, {
    args: [input],
    taskQueue: p.taskQueue,
    workflowId: orderWorkflowId(input.orderId),
  });
  return { input, result: await handle.result() };
};
const ledger = async (orderId: string): Promise<PaymentLedger> =>
  (await getJson(`${p.urls.payment}/payment/ledger?orderId=${orderId}`)).body as PaymentLedger;

describe('the order saga through the stripe SDK', () => {
  it('ships an order whose hold is a PaymentIntent, captured once though the first answer was lost', async () => {
    const { input, result } = await run({ faults: { capturePayment: ['commit_then_timeout'] } });
    expect(result.status).toBe('shipped');
    const { authorizations, captures } = await ledger(input.orderId);
    expect(authorizations).toHaveLength(1);
    expect(captures).toHaveLength(1);
    const intent = await stripe.paymentIntents.retrieve(authorizations[0]!.authorizationId);
    expect(intent).toMatchObject({
      status: 'succeeded',
      amount: input.amount,
      amount_received: input.amount,
      capture_method: 'manual',
      metadata: { order_id: input.orderId, customer_id: input.customerId },
    });
    expect(captures[0]!.captureId).toBe(intent.latest_charge);
  }, 60_000);

  it('refunds the PaymentIntent through the SDK when shipping fails after the capture', async () => {
    const { input, result } = await run({ faults: { createShippingLabel: ['address_error'] } });
    expect(result.status).toBe('failed');
    const { authorizations, refunds } = await ledger(input.orderId);
    expect(refunds).toEqual([expect.objectContaining({ amount: input.amount })]);
    const refund = await stripe.refunds.retrieve(refunds[0]!.refundId);
    expect(refund).toMatchObject({ payment_intent: authorizations[0]!.authorizationId, amount: input.amount });
  }, 60_000);

  it('cancels the PaymentIntent through the SDK when the stock is short before the capture', async () => {
    const { input, result } = await run({ faults: { reserveInventory: ['out_of_stock'] } });
    expect(result.status).toBe('failed');
    const { authorizations } = await ledger(input.orderId);
    expect(authorizations).toEqual([expect.objectContaining({ status: 'released' })]);
    const intent = await stripe.paymentIntents.retrieve(authorizations[0]!.authorizationId);
    expect(intent).toMatchObject({ status: 'canceled', amount_capturable: 0, canceled_at: expect.any(Number) });
  }, 60_000);

  it('fails a declined PaymentIntent (a chaos decline through the SDK) with nothing held', async () => {
    const { input, result } = await run({ faults: { authorizePayment: ['insufficient_funds'] } });
    expect(result.failure).toMatchObject({ step: 'authorize', type: 'card_declined' });
    expect((await ledger(input.orderId)).authorizations).toEqual([]);
  }, 60_000);

  it('leaves the auditor nothing to report', async () => {
    const audit = await auditOnceSeen(apiUrl, 4);
    expect(audit.violations).toEqual([]);
    expect(audit.ok).toBe(true);
  }, 60_000);
});
