import { eventually, getJson, upsertedOrderStatuses } from '@fake-stripe/kernel/testing';
import type { OrderInput, OrderState } from '@fake-stripe/kernel';
import {
  approveSignal,
  cancelSignal,
  operatorUpdate,
  ORDER_WORKFLOW,
  OrderStatusKey,
  orderWorkflowId,
  rejectSignal,
  statusQuery,
} from '@fake-stripe/kernel/workflow-definitions';
import type { orderFulfillmentWorkflow } from '@fake-stripe/worker/workflows';
import type { WorkflowHandle } from '@temporalio/client';
import { orderInput, recordHistory, startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

let p: Platform;

beforeAll(async () => {
  p = await startPlatform();
  await p.startWorker();
}, 120_000);
afterAll(() => p?.stop(), 60_000);

const order = (overrides: Partial<OrderInput> = {}): OrderInput =>
  orderInput({ compensationWindowMs: 3_000, ...overrides });

type OrderHandle = WorkflowHandle<typeof orderFulfillmentWorkflow>;

/** Started with the Temporal client: no OrderStatus at start, unless `listedAs` gives it (as the API does). */
async function start(input: OrderInput, listedAs?: string): Promise<OrderHandle> {
  return p.env.client.workflow.start<typeof orderFulfillmentWorkflow>(ORDER_WORKFLOW, {
    args: [input],
    taskQueue: p.taskQueue,
    workflowId: orderWorkflowId(input.orderId),
    ...(listedAs && { typedSearchAttributes: [{ key: OrderStatusKey, value: listedAs }] }),
  });
}

async function run(input: OrderInput): Promise<OrderState> {
  return (await start(input)).result();
}

/** Polls the status query until `pred` holds (bounded). */
const until = (handle: OrderHandle, pred: (s: OrderState) => boolean, timeoutMs = 15_000): Promise<OrderState> =>
  eventually(() => handle.query(statusQuery), String(pred), { until: pred, timeoutMs, intervalMs: 50 });

/** Saves a finished order's history as a replay fixture (with RECORD_HISTORIES=1). */
const record = (input: OrderInput, name: string): Promise<void> =>
  recordHistory(p, orderWorkflowId(input.orderId), name);

const steps = (s: OrderState) => s.compensations.map((c) => [c.step, c.outcome]);
/** The OrderStatus values the order's workflow upserted, in order. */
const upserts = async (handle: OrderHandle): Promise<string[]> => upsertedOrderStatuses(await handle.fetchHistory());

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
    expect(l.shipping.labels).toEqual([
      expect.objectContaining({ status: 'created', trackingNumber: result.trackingNumber }),
    ]);
    expect(l.notification.notifications).toHaveLength(1);
    await record(input, 'order-happy-path');
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
    await record(input, 'order-shipping-fails-compensation');
  });

  it('waits for approval, then ships when a manager approves', async () => {
    const input = order({ requiresApproval: true });
    const handle = await start(input);
    await until(handle, (s) => s.status === 'awaiting_approval');
    await handle.signal(approveSignal, { by: 'manager-1' });
    const result = await handle.result();
    expect(result.status).toBe('shipped');
    expect(result.approval).toEqual({ approved: true, by: 'manager-1' });
    await record(input, 'order-approved');
    expect(result.completedSteps).toEqual(['authorize', 'approval', 'reserve', 'capture', 'ship', 'notify']);
  });

  it('releases the hold when a manager rejects', async () => {
    const input = order({ requiresApproval: true });
    const handle = await start(input);
    await until(handle, (s) => s.status === 'awaiting_approval');
    await handle.signal(rejectSignal, { by: 'manager-2', reason: 'suspicious' });
    const result = await handle.result();
    expect(result.status).toBe('rejected');
    expect(steps(result)).toEqual([['releaseAuthorization', 'released']]);
    const l = await ledgers(input.orderId);
    expect(l.payment.authorizations).toEqual([expect.objectContaining({ status: 'released' })]);
    expect(l.payment.captures).toEqual([]);
    expect(l.inventory.reservations).toEqual([]);
  });

  it('auto-rejects when the approval times out (timeout shortened through the input)', async () => {
    const input = order({ requiresApproval: true, approvalTimeoutMs: 500 });
    const result = await run(input);
    expect(result.status).toBe('rejected');
    expect(result.approval).toMatchObject({ approved: false, by: 'system', timedOut: true });
    expect(result.failure).toMatchObject({ type: 'approval_timeout' });
    expect(steps(result)).toEqual([['releaseAuthorization', 'released']]);
    expect((await ledgers(input.orderId)).payment.authorizations[0].status).toBe('released');
  });

  it('fails a declined payment with nothing to compensate', async () => {
    const input = order({ faults: { authorizePayment: ['insufficient_funds'] } });
    const result = await run(input);
    expect(result.status).toBe('failed');
    expect(result.failure).toMatchObject({ step: 'authorize', type: 'card_declined' });
    expect(result.compensations).toEqual([]);
    const l = await ledgers(input.orderId);
    expect(l.payment.authorizations).toEqual([]);
    expect(l.inventory.reservations).toEqual([]);
  });

  it('retries a failed e-mail with the same key: the order ships with exactly one e-mail', async () => {
    const input = order({ faults: { sendNotification: ['timeout', 'server_error'] } });
    const result = await run(input);
    expect(result.status).toBe('shipped');
    expect(result.notificationFailed).toBeUndefined();
    const l = await ledgers(input.orderId);
    expect(l.notification.notifications).toEqual([expect.objectContaining({ to: input.customerEmail })]);
  });

  it('still ships when the e-mail fails on every attempt (5), marked notificationFailed', async () => {
    const input = order({ faults: { sendNotification: Array.from({ length: 5 }, () => 'timeout') } });
    const result = await run(input);
    expect(result.status).toBe('shipped');
    expect(result.notificationFailed).toBe(true);
    expect(result.compensations).toEqual([]);
    const l = await ledgers(input.orderId);
    expect(l.notification.notifications).toEqual([]);
    expect(l.shipping.labels).toEqual([expect.objectContaining({ status: 'created' })]);
  }, 45_000);

  it('retries forced capture timeouts and captures exactly once', async () => {
    const input = order({ faults: { capturePayment: ['timeout', 'server_error'] } });
    const result = await run(input);
    expect(result.status).toBe('shipped');
    const l = await ledgers(input.orderId);
    expect(l.payment.captures).toEqual([expect.objectContaining({ amount: 5998 })]);
  });

  it('captures once when the capture commits and its answer is lost (commit_then_timeout)', async () => {
    const input = order({ faults: { capturePayment: ['commit_then_timeout'] } });
    const result = await run(input);
    expect(result.status).toBe('shipped');
    const l = await ledgers(input.orderId);
    expect(l.payment.captures).toHaveLength(1);
    expect(l.payment.authorizations[0].status).toBe('captured');
  });

  it('refunds a capture whose answer was lost before the order failed later', async () => {
    const input = order({
      faults: { capturePayment: ['commit_then_timeout'], createShippingLabel: ['address_error'] },
    });
    const result = await run(input);
    expect(result.status).toBe('failed');
    expect(steps(result)).toEqual([
      ['refundPayment', 'refunded'],
      ['releaseInventory', 'released'],
    ]);
    const l = await ledgers(input.orderId);
    expect(l.payment.captures).toHaveLength(1);
    expect(l.payment.refunds).toHaveLength(1);
  });

  describe('cancel during each step compensates exactly what is due', () => {
    // A forced `latency` outcome keeps the step in flight (1 s) while the cancel arrives.
    it.each<[string, OrderInput['faults'], boolean, string[][]]>([
      ['authorizing', { authorizePayment: ['latency'] }, false, [['releaseAuthorization', 'released']]],
      ['awaiting_approval', undefined, true, [['releaseAuthorization', 'released']]],
      [
        'reserving',
        { reserveInventory: ['latency'] },
        false,
        [
          ['releaseInventory', 'released'],
          ['releaseAuthorization', 'released'],
        ],
      ],
      [
        'capturing',
        { capturePayment: ['latency'] },
        false,
        [
          ['refundPayment', 'refunded'],
          ['releaseInventory', 'released'],
        ],
      ],
      // The label activity heartbeats, so it is really cancelled: its request is aborted, and the label
      // job it started (which outlives its caller) is cancelled by the compensation before it is made.
      [
        'shipping',
        { createShippingLabel: ['latency'] },
        false,
        [
          ['cancelLabel', 'cancelled'],
          ['refundPayment', 'refunded'],
          ['releaseInventory', 'released'],
        ],
      ],
    ])('while %s', async (status, faults, requiresApproval, expected) => {
      const input = order({ requiresApproval, ...(faults && { faults }) });
      const handle = await start(input);
      await until(handle, (s) => s.status === status);
      await handle.signal(cancelSignal, { by: 'CUST-001', reason: 'changed my mind' });
      const result = await handle.result();
      expect(result.status).toBe('cancelled');
      expect(steps(result)).toEqual(expected);
      // The status query showed the exact step; the search attribute only what users filter by.
      expect(await upserts(handle)).toEqual([
        'in_progress',
        ...(requiresApproval ? ['awaiting_approval'] : []),
        'compensating',
        'cancelled',
      ]);
      if (status === 'capturing') await record(input, 'order-visibility-cancelled-while-capturing');
      const l = await ledgers(input.orderId);
      const net =
        l.payment.captures.reduce((a: number, c: { amount: number }) => a + c.amount, 0) -
        l.payment.refunds.reduce((a: number, r: { amount: number }) => a + r.amount, 0);
      expect(net).toBe(0);
      expect(l.payment.authorizations.filter((h: { status: string }) => h.status === 'authorized')).toEqual([]);
      expect(l.inventory.reservations.filter((r: { status: string }) => r.status === 'reserved')).toEqual([]);
      expect(l.shipping.labels.filter((x: { status: string }) => x.status !== 'cancelled')).toEqual([]);
      if (status === 'shipping') expect(l.shipping.labels).toEqual([expect.objectContaining({ status: 'cancelled' })]);
    });

    it('is too late once the label exists: the order ships', async () => {
      const input = order({ faults: { sendNotification: ['latency'] } });
      const handle = await start(input);
      await until(handle, (s) => s.status === 'notifying');
      await handle.signal(cancelSignal, { by: 'CUST-001' });
      const result = await handle.result();
      expect(result.status).toBe('shipped');
      expect(result.compensations).toEqual([]);
    });
  });

  it('parks in compensation_stuck when a compensation keeps failing, and an operator resolves it', async () => {
    const failing = Array.from({ length: 20 }, () => 'server_error');
    const input = order({
      faults: { createShippingLabel: ['address_error'], refundPayment: failing },
      compensationWindowMs: 1_500,
    });
    const handle = await start(input);
    const stuck = await until(handle, (s) => s.status === 'compensation_stuck', 20_000);
    expect(stuck.compensations).toEqual([]);
    await expect(handle.executeUpdate(operatorUpdate, { args: [{ action: 'retry' }] })).resolves.toMatchObject({
      status: 'compensation_stuck',
    });
    // The retry fails again (the plan forces 20 failures); the operator then resolves it by hand.
    await until(handle, (s) => s.status === 'compensation_stuck', 20_000);
    await handle.executeUpdate(operatorUpdate, { args: [{ action: 'resolve', note: 'refunded by phone' }] });
    const result = await handle.result();
    expect(result.status).toBe('failed');
    expect(steps(result)).toEqual([
      ['refundPayment', 'resolved_by_operator'],
      ['releaseInventory', 'released'],
    ]);
    expect(await upserts(handle)).toEqual([
      'in_progress',
      'compensating',
      'compensation_stuck',
      'compensating',
      'compensation_stuck',
      'failed',
    ]);
    await record(input, 'order-compensation-stuck-resolved');
  });

  it('refuses an operator update unless the order is stuck', async () => {
    const input = order({ requiresApproval: true });
    const handle = await start(input);
    await until(handle, (s) => s.status === 'awaiting_approval');
    const refused = await handle
      .executeUpdate(operatorUpdate, { args: [{ action: 'resolve' }] })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({
      cause: { message: expect.stringMatching(/awaiting_approval, not compensation_stuck/) },
    });
    expect((await handle.query(statusQuery)).status).toBe('awaiting_approval');
    await handle.signal(rejectSignal, { by: 'manager' });
    await handle.result();
  });
});

describe('the OrderStatus search attribute', () => {
  it('is upserted only when the visibility status changes: a happy order started without it writes two', async () => {
    const input = order();
    const handle = await start(input);
    expect((await handle.result()).status).toBe('shipped');
    expect(await upserts(handle)).toEqual(['in_progress', 'shipped']);
    await record(input, 'order-visibility-shipped');
  });

  it('is not written for the steps of an order the API started in_progress, only its approval wait and end', async () => {
    const input = order({ requiresApproval: true });
    const handle = await start(input, 'in_progress');
    await until(handle, (s) => s.status === 'awaiting_approval');
    await handle.signal(approveSignal, { by: 'manager-1' });
    expect((await handle.result()).status).toBe('shipped');
    expect(await upserts(handle)).toEqual(['awaiting_approval', 'in_progress', 'shipped']);
    await record(input, 'order-visibility-approved');
  });
});
