import { isTerminal } from '@fake-stripe/kernel';
/**
 * Each domain service SIGKILLed and started again (same port, same SQLite file) while orders run
 * through it: a restart takes seconds, and the saga retries transient faults (connection refused,
 * reset) for longer than that, with the same idempotency keys, so nothing happens twice.
 * CRASH_ORDERS sizes the batches (`make crash-test` runs them larger).
 */
import { eventually, getJson, postJson, sampleOrderRequest } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { auditOnceSeen, duplicatesOf, startBatch, waitForOrders } from './batch.ts';
import { recordHistory, startPlatform } from './harness.ts';
import type { Domain, Platform } from './harness.ts';
import { paymentWorkflowId } from '@fake-stripe/kernel/workflow-definitions';
import type { paymentWorkflow } from '@fake-stripe/worker/workflows';

const ORDERS = Number(process.env.CRASH_ORDERS || 30);
const LABEL_MS = 3_000;
/** A restart as long as a slow one of the local stack (1.5–3 s), plus the process's own start. */
const DOWN_MS = 2_500;
const WAIT_MS = 100_000 + ORDERS * 500;

let p: Platform;
let api: Running;
let ordersSoFar = 0;

beforeAll(async () => {
  p = await startPlatform({ labelMs: LABEL_MS, processes: true });
  await p.startWorker();
  api = await p.startApi();
}, 120_000);
afterAll(() => p?.stop(), 60_000);

it('ships an order whose inventory service is down for a restart when the order reaches it', async () => {
  // Seed policy: 2 attempts 1 s apart, both refused while inventory restarts: the order failed.
  const restarted = p.restartService('inventory', DOWN_MS);
  const order = sampleOrderRequest({ orderId: 'ORD-KS-RESERVE' });
  expect((await postJson(`${api.url}/api/v1/order`, order)).status).toBe(201);
  await restarted;
  const [result] = await waitForOrders(api.url, ['ORD-KS-RESERVE'], 90_000);
  expect(result).toMatchObject({ status: 'shipped' });
  ordersSoFar++;
}, 120_000);

it('charges a payment workflow whose payment service is down for a restart when it starts', async () => {
  // Seed policy: 3 attempts at 0, 1 and 3 s, all refused while payment is down for 5 s: the workflow
  // failed. Now the saga's transient budget (60 s) outlasts the restart.
  const restarted = p.restartService('payment', 5_000);
  await eventually(
    () =>
      fetch(`${p.urls.payment}/health`).then(
        () => false,
        () => true,
      ),
    'payment to be down',
  );
  const orderId = 'ORD-KS-PAYWF';
  const started = await postJson(`${api.url}/api/v1/workflows/payment`, {
    orderId,
    amount: 12.34,
    customerId: 'CUST-KS',
  });
  expect(started.status).toBe(201);
  await restarted;
  const result = await p.env.client.workflow.getHandle<typeof paymentWorkflow>(paymentWorkflowId(orderId)).result();
  expect(result).toMatchObject({ orderId, status: 'charged', compensations: [] });
  const ledger = await getJson(`${p.urls.payment}/payment/ledger?orderId=${orderId}`);
  expect(ledger.body.captures).toEqual([expect.objectContaining({ captureId: result.captureId, amount: 1234 })]);
  expect(ledger.body.refunds).toEqual([]);
  await recordHistory(p, paymentWorkflowId(orderId), 'payment-service-restart-retried');
}, 120_000);

describe.each([
  ['seeded chaos', 'crash-services-1'],
  ['chaos off', undefined],
])('every domain service killed and restarted mid-batch, %s', (what, seed) => {
  it(
    `${ORDERS} orders: every order terminal, audit clean, nothing twice${seed ? '' : ', all shipped'}`,
    async () => {
      await p.setChaos(seed);
      const batch = startBatch(api.url, `ORD-KS-${seed ? 'CHAOS' : 'OFF'}`, ORDERS, 400);
      // One after another while orders keep arriving, so each is down while calls are on their way to it.
      const restarts: Domain[] = [];
      for (const name of ['payment', 'inventory', 'shipping', 'notification'] as const) {
        await new Promise((r) => setTimeout(r, 1_000));
        await p.restartService(name, DOWN_MS);
        restarts.push(name);
      }
      const ids = await batch;
      const results = await waitForOrders(api.url, ids, WAIT_MS);
      expect(restarts).toHaveLength(4);

      expect(results.filter((r) => !isTerminal(r.status)).map((r) => `${r.orderId}: ${r.status}`)).toEqual([]);
      if (seed) expect(results.some((r) => r.status === 'shipped')).toBe(true);
      else expect(results.filter((r) => r.status !== 'shipped').map((r) => [r.orderId, r.failure])).toEqual([]);
      expect(await duplicatesOf(p.urls, ids)).toEqual([]);
      const audit = await auditOnceSeen(api.url, (ordersSoFar += ids.length));
      expect(audit.violations).toEqual([]);
      expect(audit.stuck).toEqual([]);
    },
    WAIT_MS + 60_000,
  );
});
