/**
 * The worker as a process, as a probe and a fresh Temporal see it: it registers the order search
 * attributes on a server that has none, answers /health and /ready on its PORT once it polls, and
 * drains on SIGTERM (exit 0, the health port closed). The first worker bundles its workflows in
 * its own process (no WORKFLOW_BUNDLE, no bundle cache); the second starts from a bundle made ahead.
 * The bundle cache `make up` uses is tested with `make up` itself (local-stack.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort, getJson, repoRoot, tempDir } from '@fake-stripe/kernel/testing';
import { searchAttributes } from '@fake-stripe/kernel/workflow-definitions';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawnWorkerProcess } from './harness.ts';
import type { WorkerProcess } from './harness.ts';

let env: TestWorkflowEnvironment;
let worker: WorkerProcess;
let port: number;
const tmp = tempDir('fake-stripe-worker-');

beforeAll(async () => {
  // A dev server without the project's search attributes, as a Temporal installed by its own chart.
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: join(repoRoot, '.tools/bin/temporal') } },
  });
  port = await freePort();
  worker = await spawnWorkerProcess({
    TEMPORAL_ADDRESS: env.address,
    TASK_QUEUE: `worker-process-${port}`,
    PORT: String(port),
  });
}, 120_000);
afterAll(async () => {
  await worker?.kill();
  await env?.teardown();
  tmp.remove();
}, 60_000);

const customAttributes = async (): Promise<Record<string, unknown>> =>
  (await env.connection.operatorService.listSearchAttributes({ namespace: 'default' })).customAttributes ?? {};

describe('the worker process', () => {
  it('registers the search attributes the API lists orders by', async () => {
    expect(Object.keys(await customAttributes())).toEqual(expect.arrayContaining(Object.keys(searchAttributes)));
  });

  it('answers /health and, once polling, /ready on its PORT', async () => {
    const health = await getJson(`http://127.0.0.1:${port}/health`);
    expect(health).toMatchObject({ status: 200, body: { status: 'ok', service: 'worker' } });
    const ready = await getJson(`http://127.0.0.1:${port}/ready`);
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready', service: 'worker' } });
  });

  it('starts again against a server that has the attributes already, from a bundle made ahead', async () => {
    const bundle = join(tmp.dir, 'workflow-bundle.js');
    const made = spawnSync(process.execPath, [join(repoRoot, 'services/worker/src/bundle.ts'), bundle], {
      encoding: 'utf8',
    });
    expect(made.stdout).toContain(`workflow bundle: ${bundle}`);
    const second = await spawnWorkerProcess({
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE: `worker-process-${port}-2`,
      PORT: String(await freePort()),
      WORKFLOW_BUNDLE: bundle,
    });
    await second.kill('SIGTERM');
    expect(second.child.exitCode).toBe(0);
  }, 60_000);

  it('drains on SIGTERM: exits 0 and closes its health port', async () => {
    await worker.kill('SIGTERM');
    expect(worker.child.exitCode).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  }, 60_000);
});
