import { randomUUID } from 'node:crypto';
import { getJson } from '@fake-stripe/kernel/testing';
import type { OrderInput, OrderState } from '@fake-stripe/kernel';
import { orderWorkflowId } from '@fake-stripe/worker/definitions';
import type { Worker } from '@temporalio/worker';
import { startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

let p: Platform;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  p = await startPlatform();
  worker = await p.newWorker();
  running = worker.run();
}, 120_000);
afterAll(async () => {
  worker?.shutdown();
  await running;
  await p?.stop();
}, 60_000);

const order = (overrides: Partial<OrderInput> = {}): OrderInput => ({
  orderId: `ORD-${randomUUID().slice(0, 8)}`,
  customerId: 'CUST-001',
  items: [{ sku: 'ITEM-001', quantity: 2, unitAmount: 2999 }],
  amount: 5998,
  currency: 'usd',
  shippingAddress: { street: '123 Main St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
  customerEmail: 'test@example.com',
  requiresApproval: false,
  compensationWindowMs: 3_000,
  ...overrides,
});

async function run(input: OrderInput): Promise<OrderState> {
  return p.env.client.workflow.execute('orderFulfillmentWorkflow', { args: [input], taskQueue: p.taskQueue, workflowId: orderWorkflowId(input.orderId) });
}

async function ledgers(orderId: string) {
  const q = `?orderId=${orderId}`;
  const [payment, inventory, shipping, notification] = await Promise.all([
    getJson(`${p.urls.payment}/payment/ledger${q}`),
    getJson(`${p.urls.inventory}/inventory/ledger${q}`),
    getJson(`${p.urls.shipping}/shipping/ledger${q}`),
    getJson(`${p.urls.notification}/notification/ledger${q}`),
  ]);
  return { payment: payment.body, inventory: inventory.body, shipping: shipping.body, notification: notification.body };
}

describe('orderFulfillmentWorkflow', () => {
  it('ships the happy path: one capture, one reservation, one label, one e-mail', async () => {
    const input = order();
    const result = await run(input);
    expect(result.status).toBe('shipped');
    expect(result.completedSteps).toEqual(['authorize', 'reserve', 'capture', 'ship', 'notify']);
    expect(result.compensations).toEqual([]);
    const l = await ledgers(input.orderId);
    expect(l.payment.authorizations).toEqual([expect.objectContaining({ status: 'captured', amount: 5998 })]);
    expect(l.payment.captures).toEqual([expect.objectContaining({ amount: 5998 })]);
    expect(l.payment.refunds).toEqual([]);
    expect(l.inventory.reservations).toEqual([expect.objectContaining({ status: 'reserved' })]);
    expect(l.shipping.labels).toEqual([expect.objectContaining({ status: 'created', trackingNumber: result.trackingNumber })]);
    expect(l.notification.notifications).toHaveLength(1);
  });

  it('refunds the capture and releases the stock when shipping fails (no label to cancel, the hold is consumed)', async () => {
    const input = order({ faults: { createShippingLabel: ['address_error'] } });
    const result = await run(input);
    expect(result.status).toBe('failed');
    expect(result.failure).toMatchObject({ step: 'ship', type: 'address_invalid' });
    expect(result.compensations.map((c) => [c.step, c.outcome])).toEqual([
      ['refundPayment', 'refunded'],
      ['releaseInventory', 'released'],
    ]);
    const l = await ledgers(input.orderId);
    expect(l.payment.captures).toHaveLength(1);
    expect(l.payment.refunds).toEqual([expect.objectContaining({ amount: 5998 })]);
    expect(l.payment.authorizations[0].status).toBe('captured');
    expect(l.inventory.reservations[0].status).toBe('released');
    expect(l.shipping.labels).toEqual([]);
  });
});
