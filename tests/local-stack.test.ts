/**
 * `make up` itself (`node tools/stack.ts up --detach`, what `make up DETACH=1` runs), on free
 * loopback ports with its data and its build caches in temp dirs (tools/bench/local-stack.ts): every
 * process ready, each Node service run with the compile cache and SERVICE_NODE_OPTIONS, an order
 * through the API to shipped, and the worker's workflow bundle made by the first start, reused by the
 * next; `make down` leaves no process behind.
 */
import fs from 'node:fs';
import path from 'node:path';
import { SERVICE_NODE_OPTIONS, chaosServices, platformServices } from '@fake-stripe/kernel/local-stack';
import { eventually, getJson, postJson, sampleOrderRequest, tempDir } from '@fake-stripe/kernel/testing';
import { orderWorkflowId } from '@fake-stripe/kernel/workflow-definitions';
import { localStack } from '../tools/bench/local-stack.ts';
import type { LocalStack } from '../tools/bench/local-stack.ts';

const cache = tempDir('fake-stripe-build-cache-');
let stack: LocalStack;

beforeAll(async () => {
  // LOG_LEVEL as a user's (the tests' own is warn): the worker's bundle lines are read below.
  stack = await localStack('fake-stripe-make-up-', { FAKE_STRIPE_CACHE: cache.dir, LOG_LEVEL: 'info' });
  // Chaos off, so the order ships in a second or two.
  fs.mkdirSync(path.join(stack.dir, 'chaos'));
  for (const name of chaosServices)
    fs.writeFileSync(path.join(stack.dir, 'chaos', `${name}.json`), '{"profile":"off"}');
});
afterAll(async () => {
  await stack?.down().catch(() => stack.kill());
  stack?.remove();
  cache.remove();
}, 60_000);

/** The worker's log lines about its workflow bundle, in order. */
const bundleLines = (): Array<{ msg: string; file: string; built: boolean }> =>
  fs
    .readFileSync(path.join(stack.dir, 'logs/worker.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"msg":"workflow bundle'))
    .map((l) => JSON.parse(l) as { msg: string; file: string; built: boolean });

/** A process's environment, from /proc. */
const environ = (pid: number): Record<string, string> =>
  Object.fromEntries(
    fs
      .readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

describe('make up', () => {
  it('starts every process, the worker making its workflow bundle into the build cache', async () => {
    const up = await stack.up();
    expect(Object.keys(up.readyS).sort()).toEqual([...platformServices, 'temporal'].sort());
    const [made, ...more] = bundleLines();
    expect(more).toEqual([]);
    expect(made).toMatchObject({ msg: 'workflow bundle made', built: true });
    expect(made?.file.startsWith(path.join(cache.dir, `build-${process.version}`, 'workflow-bundles'))).toBe(true);
    expect(fs.existsSync(made?.file ?? '')).toBe(true);
  }, 120_000);

  it('runs each Node service with the compile cache and the service Node options', () => {
    const pids = stack.pids();
    for (const name of platformServices) {
      const env = environ(pids[name] ?? 0);
      expect({ name, options: env.NODE_OPTIONS }).toEqual({ name, options: SERVICE_NODE_OPTIONS });
      expect(env.NODE_COMPILE_CACHE).toBe(path.join(cache.dir, `build-${process.version}`, 'node-compile-cache'));
    }
    // Node wrote what it compiled there.
    const compiled = fs.readdirSync(path.join(cache.dir, `build-${process.version}`, 'node-compile-cache'), {
      recursive: true,
    });
    expect(compiled.length).toBeGreaterThan(10);
  });

  it('ships an order placed through the API', async () => {
    const body = sampleOrderRequest();
    const started = await postJson(`${stack.url('api')}/api/v1/order`, body);
    expect(started.status).toBe(201);
    const workflowId = orderWorkflowId(body.orderId as string);
    const result = await getJson(`${stack.url('api')}/api/v1/order/${workflowId}/result?wait=60`);
    expect(result.body).toMatchObject({ status: 'completed', result: { status: 'shipped' } });
  }, 90_000);

  it('starts again after make down, the worker reusing its bundle; make down leaves nothing running', async () => {
    const before = Object.values(stack.pids());
    await stack.down();
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await eventually(() => before.every((pid) => !alive(pid)) || undefined, 'every process of the stack gone');
    await stack.up();
    const [made, reused] = bundleLines().slice(-2);
    expect(reused).toMatchObject({ msg: 'workflow bundle reused', built: false, file: made?.file });
    await stack.down();
  }, 120_000);
});
