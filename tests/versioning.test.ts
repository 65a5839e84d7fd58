/**
 * The fraud check added to orderFulfillmentWorkflow behind patched(): orders above the worker's
 * threshold are screened before capture; an order that passed that point on the old code finishes on
 * the new worker without it. The histories recorded here (RECORD_HISTORIES=1) are replay fixtures.
 */
import { eventually, getJson } from '@fake-stripe/kernel/testing';
import type { OrderInput, OrderState } from '@fake-stripe/kernel';
import { approveSignal, ORDER_WORKFLOW, orderWorkflowId, statusQuery } from '@fake-stripe/kernel/workflow-definitions';
import { bundlePatchVariant, DEFAULT_FRAUD_RULES, FRAUD_CHECK_PATCH, patchMarkers } from '@fake-stripe/worker';
import type { orderFulfillmentWorkflow } from '@fake-stripe/worker/workflows';
import type { WorkflowHandle } from '@temporalio/client';
import { orderInput, recordHistory, runScenario, startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

let p: Platform;

beforeAll(async () => {
  // Labels take 2 s: long enough to swap the worker while an order ships.
  p = await startPlatform({ labelMs: 2_000 });
}, 120_000);
afterAll(() => p?.stop(), 60_000);

type OrderHandle = WorkflowHandle<typeof orderFulfillmentWorkflow>;

/** An order of 50 × 29.99 = 1,499.50: above the default screening threshold (1,000.00). */
const largeOrder = (orderId: string, overrides: Partial<OrderInput> = {}): OrderInput => {
  const input = orderInput({ orderId, compensationWindowMs: 3_000, ...overrides });
  const items = [{ sku: 'ITEM-001', quantity: 50, unitAmount: 2999 }];
  return { ...input, items, amount: 50 * 2999 };
};
const [blocked] = DEFAULT_FRAUD_RULES.blockedCustomers;

const start = (input: OrderInput): Promise<OrderHandle> =>
  p.env.client.workflow.start<typeof orderFulfillmentWorkflow>(ORDER_WORKFLOW, {
    args: [input],
    taskQueue: p.taskQueue,
    workflowId: orderWorkflowId(input.orderId),
  });
const until = (handle: OrderHandle, pred: (s: OrderState) => boolean): Promise<OrderState> =>
  eventually(() => handle.query(statusQuery), String(pred), { until: pred, timeoutMs: 20_000, intervalMs: 50 });
const record = (input: OrderInput, name: string): Promise<void> =>
  recordHistory(p, orderWorkflowId(input.orderId), name);
/** The fraud check's patch markers in the order's history (its other patches record their own). */
const markers = async (handle: OrderHandle): Promise<number> =>
  patchMarkers(await handle.fetchHistory()).filter((id) => id === FRAUD_CHECK_PATCH).length;
const ledger = async (domain: 'payment' | 'inventory', orderId: string) =>
  (await getJson(`${p.urls[domain]}/${domain}/ledger?orderId=${orderId}`)).body;

describe('orderFulfillmentWorkflow with the fraud check', () => {
  it('deploys: an order past the check on the old code finishes without it, later ones are screened', async () => {
    const oldWorker = await p.newWorker({ bundle: await bundlePatchVariant('before') });
    const oldRun = oldWorker.run();
    const shipping = largeOrder('VER-OLD-SHIPPING');
    const waiting = largeOrder('VER-OLD-APPROVAL', { requiresApproval: true });
    const [a, b] = await Promise.all([start(shipping), start(waiting)]);
    // The old code does not screen: the order reaches the label without a check.
    expect((await until(a, (s) => s.status === 'shipping')).fraudCheck).toBeUndefined();
    await until(b, (s) => s.status === 'awaiting_approval');
    oldWorker.shutdown();
    await oldRun;

    await p.startWorker(); // the patched code
    const fresh = largeOrder('VER-NEW');
    const c = await start(fresh);
    await b.signal(approveSignal, { by: 'manager' });
    const [ra, rb, rc] = await Promise.all([a.result(), b.result(), c.result()]);

    // Past the patch point on the old code: replayed without the check (no marker), and shipped.
    expect(ra).toMatchObject({
      status: 'shipped',
      completedSteps: ['authorize', 'reserve', 'capture', 'ship', 'notify'],
    });
    expect(ra.fraudCheck).toBeUndefined();
    expect(await markers(a)).toBe(0);
    // Started on the old code but reached the check on the new one: screened.
    expect(rb).toMatchObject({ status: 'shipped', fraudCheck: { outcome: 'passed' } });
    expect(rc).toMatchObject({ status: 'shipped', fraudCheck: { outcome: 'passed', minAmount: 100_000 } });
    expect(await markers(c)).toBe(1);
    await record(shipping, 'order-started-before-fraud-check');
    await record(fresh, 'order-fraud-check-passed');
  }, 90_000);

  it('does not screen an order below the threshold', async () => {
    const input = orderInput({ orderId: 'VER-SMALL', customerId: blocked });
    const result = await (await start(input)).result();
    expect(result).toMatchObject({ status: 'shipped', fraudCheck: { outcome: 'not_required' } });
  }, 60_000);

  it('refuses a blocked customer above the threshold before capture, and compensates', async () => {
    const input = largeOrder('VER-REFUSED', { customerId: blocked });
    const result = await (await start(input)).result();
    expect(result.status).toBe('failed');
    expect(result.failure).toEqual({
      step: 'fraudCheck',
      type: 'fraud_suspected',
      message: expect.stringContaining(`customer ${blocked} is blocked`),
    });
    expect(result.completedSteps).toEqual(['authorize', 'reserve']);
    expect(result.compensations.map((c) => [c.step, c.outcome])).toEqual([
      ['releaseInventory', 'released'],
      ['releaseAuthorization', 'released'],
    ]);
    const payment = await ledger('payment', input.orderId);
    expect(payment.captures).toEqual([]);
    expect(payment.authorizations).toEqual([expect.objectContaining({ status: 'released' })]);
    expect((await ledger('inventory', input.orderId)).reservations).toEqual([
      expect.objectContaining({ status: 'released' }),
    ]);
    await record(input, 'order-fraud-check-refused');
  }, 60_000);
});

describe('make scenario-versioning', () => {
  it('passes against the platform: old orders finish after the deploy, new ones are screened', async () => {
    const api = await p.startApi();
    const { code, output } = await runScenario('versioning', {
      ...p.clientEnv,
      API_URL: api.url,
      HTTP_TIMEOUT_MS: '2000',
      LABEL_EXPECTED_MS: '2000',
    });
    expect(output).toContain('✔ versioning passed');
    expect(code).toBe(0);
  }, 180_000);
});
