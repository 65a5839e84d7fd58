import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { randomUUID } from 'node:crypto';
import { getJson, repoRoot } from '@fake-stripe/kernel/testing';
import { ORDER_WORKFLOW, orderWorkflowId } from '@fake-stripe/worker/definitions';
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

/** The real worker process (`services/worker/src/worker.ts`) against the test platform. */
function spawnWorker(): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', join(repoRoot, 'services/kernel/src/telemetry.ts'), join(repoRoot, 'services/worker/src/worker.ts')],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        ...p.clientEnv,
        HTTP_TIMEOUT_MS: '2000',
        LABEL_EXPECTED_MS: String(LABEL_MS),
        METRICS_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('worker did not start')), 30_000);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"worker listening"')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
  });
}

describe('worker crash during label creation', () => {
  it('completes the order after SIGKILL, the label activity resuming from its last heartbeat', async () => {
    const worker = await spawnWorker();
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
    let progress = 0;
    const deadline = Date.now() + 20_000;
    while (progress < 25) {
      if (Date.now() > deadline) throw new Error('no label heartbeat seen');
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      const label = pending.find((a) => a.activityType?.name === 'createShippingLabel');
      const payload = label?.heartbeatDetails?.payloads?.[0];
      if (payload) progress = (defaultPayloadConverter.fromPayload(payload) as { progress: number }).progress;
      await new Promise((r) => setTimeout(r, 100));
    }
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));

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
