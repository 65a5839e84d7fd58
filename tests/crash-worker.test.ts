import { isTerminal } from '@fake-stripe/kernel';
/**
 * The worker SIGKILLed every few seconds through a batch of orders (the real worker process, a new
 * one started after each kill), with a label time longer than a worker lives: labels are jobs at
 * the carrier that outlive their request, so a retry attaches to the job and the order still ships.
 * CRASH_ORDERS and CRASH_KILL_EVERY_MS size it (`make crash-test` runs it larger).
 */
import type { Running } from '@fake-stripe/kernel/testing';
import pWaitFor from 'p-wait-for';
import { auditOnceSeen, duplicatesOf, startBatch, waitForOrders } from './batch.ts';
import { startPlatform } from './harness.ts';
import type { Platform, WorkerProcess } from './harness.ts';

const ORDERS = Number(process.env.CRASH_ORDERS || 30);
const KILL_EVERY_MS = Number(process.env.CRASH_KILL_EVERY_MS || 5_000);
// Longer than a worker lives between kills: a label made in one request never finishes.
const LABEL_MS = KILL_EVERY_MS + 3_000;
const WAIT_MS = 100_000 + ORDERS * 500;

let p: Platform;
let api: Running;
let ordersSoFar = 0;

beforeAll(async () => {
  p = await startPlatform({ labelMs: LABEL_MS });
  api = await p.startApi();
}, 120_000);
afterAll(() => p?.stop(), 60_000);

/** Keeps one worker running and SIGKILLs it `everyMs` after it started polling, until `stop()`. */
function killLoop(everyMs: number): { stop: () => Promise<number> } {
  let stopped = false;
  let kills = 0;
  let current: WorkerProcess | undefined;
  const loop = (async () => {
    while (!stopped) {
      current = await p.spawnWorker();
      // Until it is time for the kill, or the loop is stopped.
      await pWaitFor(() => stopped, { interval: 100, timeout: { milliseconds: everyMs, fallback: () => undefined } });
      if (stopped) break;
      await current.kill('SIGKILL');
      kills++;
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      await current?.kill('SIGTERM');
      return kills;
    },
  };
}

describe.each([
  ['seeded chaos', 'crash-worker-1'],
  ['chaos off', undefined],
])('the worker killed every %s', (what, seed) => {
  it(
    `${ORDERS} orders under ${what}: every order terminal, audit clean, nothing twice${seed ? '' : ', all shipped'}`,
    async () => {
      await p.setChaos(seed);
      const loop = killLoop(KILL_EVERY_MS);
      const ids = await startBatch(api.url, `ORD-KW-${seed ? 'CHAOS' : 'OFF'}`, ORDERS);
      const results = await waitForOrders(api.url, ids, WAIT_MS);
      const kills = await loop.stop();
      expect(kills).toBeGreaterThanOrEqual(1);

      expect(results.filter((r) => !isTerminal(r.status)).map((r) => `${r.orderId}: ${r.status}`)).toEqual([]);
      if (seed) expect(results.some((r) => r.status === 'shipped')).toBe(true);
      else expect(results.filter((r) => r.status !== 'shipped').map((r) => [r.orderId, r.failure])).toEqual([]);
      // The kills really hit labels: some label outlived its worker and its retry resumed it.
      if (!seed) expect(results.some((r) => (r.labelResumedFrom ?? 0) > 0)).toBe(true);
      expect(await duplicatesOf(p.urls, ids)).toEqual([]);
      // The audit judges every order of the platform, this batch's and the ones before.
      const audit = await auditOnceSeen(api.url, (ordersSoFar += ids.length));
      expect(audit.violations).toEqual([]);
      expect(audit.stuck).toEqual([]);
    },
    WAIT_MS + 60_000,
  );
});
