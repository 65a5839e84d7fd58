import { isTerminal } from '@fake-stripe/kernel';
import { getJson, postJson } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

// 100 orders through the API under the seeded default chaos profile (SPEC §3.1 mix: declines,
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
    const ids = Array.from({ length: ORDERS }, (_, i) => `ORD-BATCH-${String(i).padStart(3, '0')}`);
    const started = await Promise.all(
      ids.map((orderId, i) =>
        postJson(`${api.url}/api/v1/order`, {
          orderId,
          customerId: `CUST-${i % 7}`,
          items: [
            { sku: `ITEM-00${1 + (i % 9)}`, quantity: 1 + (i % 3), price: 10.5 },
            { sku: 'ITEM-010', quantity: 1, price: 4.25 },
          ],
          totalAmount: 10.5 * (1 + (i % 3)) + 4.25,
          shippingAddress: { street: '1 Batch St', city: 'Austin', state: 'TX', zip: '73301', country: 'US' },
          customerEmail: `c${i}@example.com`,
          requiresApproval: false,
        }),
      ),
    );
    expect(started.map((r) => r.status)).toEqual(ids.map(() => 201));

    const results = await Promise.all(
      started.map(async (r) => {
        const res = await getJson(`${api.url}/api/v1/order/${r.body.workflowId}/result?wait=120`);
        return res.body.result as { status: string; compensations: unknown[] };
      }),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => !isTerminal(s))).toEqual([]);
    // The chaos really bit: some orders shipped, some were compensated.
    expect(statuses.filter((s) => s === 'shipped').length).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 'failed' && r.compensations.length > 0).length).toBeGreaterThan(0);

    // Visibility is eventually consistent: poll the audit until it has seen every order.
    const deadline = Date.now() + 30_000;
    let audit = (await getJson(`${api.url}/api/v1/audit`)).body;
    while (audit.checkedOrders < ORDERS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      audit = (await getJson(`${api.url}/api/v1/audit`)).body;
    }
    expect(audit.checkedOrders).toBe(ORDERS);
    expect(audit.stuck).toEqual([]);
    expect(audit.violations).toEqual([]);
    expect(audit.ok).toBe(true);
  }, 240_000);
});
