import { randomUUID } from 'node:crypto';
import { eventually, freePort, getJson } from '@fake-stripe/kernel/testing';
import { ORDER_WORKFLOW, orderWorkflowId } from '@fake-stripe/kernel/workflow-definitions';
import type { orderFulfillmentWorkflow } from '@fake-stripe/worker/workflows';
import { defaultPayloadConverter } from '@temporalio/common';
import { orderInput, startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

const LABEL_MS = 4_000;
let p: Platform;

beforeAll(async () => {
  p = await startPlatform({ labelMs: LABEL_MS });
}, 120_000);
afterAll(async () => {
  await p?.stop();
}, 60_000);

describe('worker crash during label creation', () => {
  it('completes the order after SIGKILL, the label activity resuming from its last heartbeat', async () => {
    const worker = await p.spawnWorker();
    const input = orderInput({
      orderId: `ORD-CRASH-${randomUUID().slice(0, 8)}`,
      items: [{ sku: 'ITEM-003', quantity: 1, unitAmount: 1500 }],
      amount: 1500,
    });
    const handle = await p.env.client.workflow.start<typeof orderFulfillmentWorkflow>(ORDER_WORKFLOW, {
      args: [input],
      taskQueue: p.taskQueue,
      workflowId: orderWorkflowId(input.orderId),
    });

    // Wait until the label activity has heartbeated real progress, then kill the worker hard.
    const progress = await eventually(
      async () => {
        const pending = (await handle.describe()).raw.pendingActivities ?? [];
        const label = pending.find((a) => a.activityType?.name === 'createShippingLabel');
        const payload = label?.heartbeatDetails?.payloads?.[0];
        return payload ? defaultPayloadConverter.fromPayload<{ progress: number }>(payload).progress : 0;
      },
      'a label heartbeat with progress of at least 25',
      { until: (progress) => progress >= 25, timeoutMs: 20_000, intervalMs: 100 },
    );
    await worker.kill('SIGKILL');

    // A new worker picks the order up; the label activity times out on heartbeat and retries.
    const replacement = await p.newWorker({ labelExpectedMs: LABEL_MS });
    const result = await replacement.runUntil(handle.result());
    expect(result.status).toBe('shipped');
    expect(result.labelResumedFrom).toBeGreaterThanOrEqual(progress);
    const labels = await getJson(`${p.urls.shipping}/shipping/ledger?orderId=${input.orderId}`);
    expect(labels.body.labels).toEqual([
      expect.objectContaining({ status: 'created', trackingNumber: result.trackingNumber }),
    ]);
    const payment = await getJson(`${p.urls.payment}/payment/ledger?orderId=${input.orderId}`);
    expect(payment.body.captures).toHaveLength(1);
  }, 90_000);
});

describe('the worker metrics', () => {
  it('count an order shipped without its e-mail (every attempt failed)', async () => {
    const port = await freePort();
    const worker = await p.spawnWorker({ METRICS_PORT: String(port) });
    const input = orderInput({
      orderId: `ORD-NOMAIL-${randomUUID().slice(0, 8)}`,
      faults: { sendNotification: Array.from({ length: 5 }, () => 'timeout') },
    });
    const result = await p.env.client.workflow.execute<typeof orderFulfillmentWorkflow>(ORDER_WORKFLOW, {
      args: [input],
      taskQueue: p.taskQueue,
      workflowId: orderWorkflowId(input.orderId),
    });
    expect(result).toMatchObject({ status: 'shipped', notificationFailed: true });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^fake_stripe_orders_shipped_without_email_total(\{[^}]*\})? 1$/m);
    await worker.kill('SIGTERM');
  }, 90_000);
});
