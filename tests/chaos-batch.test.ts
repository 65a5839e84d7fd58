import { isTerminal } from '@fake-stripe/kernel';
import type { Running } from '@fake-stripe/kernel/testing';
import { auditOnceSeen, startBatch, waitForOrders } from './batch.ts';
import { startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

// 100 orders through the API under the seeded default chaos profile (its mix: declines,
// out of stock, lying "already captured", timeouts, 5xx), with short timeouts and label time.
const ORDERS = 100;
let p: Platform;
let api: Running;

beforeAll(async () => {
  p = await startPlatform({ labelMs: 50, seed: 'chaos-batch-1' });
  await p.startWorker();
  api = await p.startApi();
}, 120_000);
afterAll(() => p?.stop(), 60_000);

describe('a seeded chaos batch of 100 orders', () => {
  it('ends with every order terminal and 0 audit violations', async () => {
    const ids = await startBatch(api.url, 'ORD-BATCH', ORDERS);
    const results = await waitForOrders(api.url, ids, 120_000);
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => !isTerminal(s))).toEqual([]);
    // The chaos really bit: some orders shipped, some were compensated.
    expect(statuses.filter((s) => s === 'shipped').length).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 'failed' && r.compensations.length > 0).length).toBeGreaterThan(0);

    const audit = await auditOnceSeen(api.url, ORDERS);
    expect(audit.checkedOrders).toBe(ORDERS);
    expect(audit.stuck).toEqual([]);
    expect(audit.violations).toEqual([]);
    expect(audit.ok).toBe(true);
  }, 240_000);
});
