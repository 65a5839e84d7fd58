/**
 * Money and ids end to end (issue 8 items 1 and 2), on the real platform: the orders the hostile run
 * got accepted (goods for a price that rounds to 0, ids that break the idempotency header or the
 * order's own URLs) are 400s that start no workflow and move no stock, and an order whose total a
 * client summed in floating point ships, capturing exactly its cents.
 */
import { randomUUID } from 'node:crypto';
import { getJson, postJson, sampleOrderRequest } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { orderWorkflowId } from '@fake-stripe/kernel/workflow-definitions';
import { WorkflowNotFoundError } from '@temporalio/client';
import { startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

let p: Platform;
let api: Running;
beforeAll(async () => {
  p = await startPlatform({ labelMs: 100 });
  await p.startWorker();
  api = await p.startApi();
}, 120_000);
afterAll(() => p?.stop(), 60_000);

const newOrderId = (): string => `ORD-BAD-${randomUUID().slice(0, 8)}`;
const available = async (sku: string): Promise<number> =>
  (await getJson(`${p.urls.inventory}/inventory/stock`)).body.items.find((s: { sku: string }) => s.sku === sku)
    .available;
const noWorkflow = (orderId: string) =>
  expect(p.env.client.workflow.getHandle(orderWorkflowId(orderId)).describe()).rejects.toBeInstanceOf(
    WorkflowNotFoundError,
  );

describe('POST /api/v1/order on the platform', () => {
  it('refuses 5 units at a 1e-9 price beside a 10.00 line: no workflow, no stock moved', async () => {
    const before = await available('ITEM-004');
    const orderId = newOrderId();
    const items = [
      { sku: 'ITEM-001', quantity: 1, price: 10 },
      { sku: 'ITEM-004', quantity: 5, price: 1e-9 },
    ];
    const res = await postJson(`${api.url}/api/v1/order`, sampleOrderRequest({ orderId, items, totalAmount: 10 }));
    expect({ status: res.status, param: res.body.error?.param }).toEqual({ status: 400, param: 'items[1].price' });
    await noWorkflow(orderId);
    expect(await available('ITEM-004')).toBe(before);
  });

  it.each([['ORD-🚀-1'], ['ORD-BEL\u0007-1']])('refuses the order id %j and starts no workflow', async (orderId) => {
    const res = await postJson(`${api.url}/api/v1/order`, sampleOrderRequest({ orderId }));
    expect({ status: res.status, param: res.body.error?.param }).toEqual({ status: 400, param: 'orderId' });
    await noWorkflow(orderId);
  });

  it('ships an order whose total a client summed in floating point, capturing exactly its cents', async () => {
    const orderId = newOrderId();
    const items = [
      { sku: 'ITEM-002', quantity: 1, price: 0.1 },
      { sku: 'ITEM-003', quantity: 1, price: 0.2 },
      { sku: 'ITEM-001', quantity: 2, price: 29.99 },
    ];
    const totalAmount = items.reduce((sum, i) => sum + i.price * i.quantity, 0);
    expect(totalAmount).toBe(60.279999999999994); // the float sum really is off
    const started = await postJson(`${api.url}/api/v1/order`, sampleOrderRequest({ orderId, items, totalAmount }));
    expect(started.status).toBe(201);
    const res = await getJson(`${api.url}/api/v1/order/${orderWorkflowId(orderId)}/result?wait=60`);
    expect(res.body).toMatchObject({ status: 'completed', result: { status: 'shipped' } });
    const ledger = (await getJson(`${p.urls.payment}/payment/ledger?orderId=${orderId}`)).body;
    expect(ledger.captures.map((c: { amount: number }) => c.amount)).toEqual([6028]);
  }, 90_000);
});
