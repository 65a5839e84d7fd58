/**
 * The worker as a process, as a probe and a fresh Temporal see it: it registers the order search
 * attributes on a server that has none, answers /health and /ready on its PORT once it polls, and
 * drains on SIGTERM (exit 0, the health port closed). It starts from a bundle made ahead, and, as
 * `make up` runs it, from its bundle cache: made by the first start, reused by the next.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { freePort, getJson, repoRoot, tempDir } from '@fake-stripe/kernel/testing';
import { searchAttributes } from '@fake-stripe/kernel/workflow-definitions';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawnWorkerProcess } from './harness.ts';
import type { WorkerProcess } from './harness.ts';

let env: TestWorkflowEnvironment;
let worker: WorkerProcess;
let port: number;
const tmp = tempDir('fake-stripe-worker-');
const bundleCache = join(tmp.dir, 'bundle-cache');
/** The bundle-cache line a worker logged: `made` or `reused`, and the file. */
const bundleLine = (lines: string[]): { msg: string; file: string; built: boolean } | undefined => {
  const line = lines.find((l) => l.includes('"msg":"workflow bundle'));
  return line === undefined ? undefined : (JSON.parse(line) as { msg: string; file: string; built: boolean });
};

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
    WORKFLOW_BUNDLE_CACHE: bundleCache,
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

  it('made its workflow bundle into WORKFLOW_BUNDLE_CACHE at its first start; the next start reuses it', async () => {
    const made = bundleLine(worker.lines);
    expect(made).toMatchObject({ msg: 'workflow bundle made', built: true });
    expect(readdirSync(bundleCache)).toContain(basename(made?.file ?? ''));
    const second = await spawnWorkerProcess({
      TEMPORAL_ADDRESS: env.address,
      TASK_QUEUE: `worker-process-${port}-3`,
      PORT: String(await freePort()),
      WORKFLOW_BUNDLE_CACHE: bundleCache,
    });
    await second.kill('SIGTERM');
    expect(bundleLine(second.lines)).toMatchObject({ msg: 'workflow bundle reused', built: false, file: made?.file });
    expect(second.child.exitCode).toBe(0);
  }, 60_000);

  it('drains on SIGTERM: exits 0 and closes its health port', async () => {
    await worker.kill('SIGTERM');
    expect(worker.child.exitCode).toBe(0);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  }, 60_000);
});
