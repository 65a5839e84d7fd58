/**
 * Repeated SKUs in one reservation (issue 8 item 8): the request's lines add up per SKU, and an
 * error names the request's own line (`items[i]`), not the SKU's place among the merged lines. A
 * refused reservation takes no stock and records nothing.
 */
import { getJson, postJson, startInProcess, tempDir } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { checkReservable, seedCatalog } from '../src/domain.ts';
import { createInventoryService, envSchema } from '../src/main.ts';

const ok = { 'X-Chaos-Outcome': 'success' };
let data: ReturnType<typeof tempDir>;
let svc: Running;
beforeAll(async () => {
  data = tempDir();
  svc = await startInProcess(createInventoryService, { DATA_DIR: data.dir, SEED_STOCK: '100' }, envSchema);
});
afterAll(async () => {
  await svc.close();
  data.remove();
});

const stock = async () => (await getJson(`${svc.url}/inventory/stock`)).body.items;
const reservationsOf = async (orderId: string) =>
  (await getJson(`${svc.url}/inventory/ledger?orderId=${orderId}`)).body.reservations;
const line = (sku: string, quantity = 1) => ({ sku, quantity });

describe('POST /inventory/reserve with repeated SKUs', () => {
  it.each([
    [
      '[A, B, B, C×9999] blames the C line',
      [line('ITEM-001'), line('ITEM-002'), line('ITEM-002'), line('ITEM-003', 9999)],
      409,
      'items[3].quantity',
    ],
    [
      '[A, B×60, C, B×60] blames the second B line, where B runs out',
      [line('ITEM-001'), line('ITEM-002', 60), line('ITEM-003'), line('ITEM-002', 60)],
      409,
      'items[3].quantity',
    ],
    [
      '[A, A, NOPE] blames the unknown SKU line',
      [line('ITEM-001'), line('ITEM-001'), line('NOPE')],
      404,
      'items[2].sku',
    ],
  ])('%s, and takes nothing', async (_what, items, status, param) => {
    const before = await stock();
    const orderId = `ORD-DUP-${param.replace(/\W/g, '')}-${status}`;
    const res = await postJson(`${svc.url}/inventory/reserve`, { orderId, items }, ok);
    expect({ status: res.status, param: res.body.error?.param }).toEqual({ status, param });
    expect(await stock()).toEqual(before);
    expect(await reservationsOf(orderId)).toEqual([]);
  });

  it('says how many units the lines ask for together', async () => {
    const items = [line('ITEM-005', 60), line('ITEM-005', 60)];
    const res = await postJson(`${svc.url}/inventory/reserve`, { orderId: 'ORD-DUP-SUM', items }, ok);
    expect(res.body.error).toMatchObject({ code: 'out_of_stock', param: 'items[1].quantity' });
    expect(res.body.error.message).toContain('120');
  });

  it('reserves repeated lines that fit together as one line per SKU', async () => {
    const items = [line('ITEM-006', 30), line('ITEM-007', 1), line('ITEM-006', 70)];
    const res = await postJson(`${svc.url}/inventory/reserve`, { orderId: 'ORD-DUP-OK', items }, ok);
    expect(res.status).toBe(201);
    expect(res.body.items).toEqual([line('ITEM-006', 100), line('ITEM-007', 1)]);
    expect((await stock()).find((s: { sku: string }) => s.sku === 'ITEM-006')).toMatchObject({ available: 0 });
  });
});

describe('checkReservable', () => {
  const catalog = new Map(seedCatalog(10).map((s) => [s.sku, s]));
  it("names the line at which a SKU's running total exceeds its stock", () => {
    expect(() =>
      checkReservable([line('ITEM-001', 4), line('ITEM-002', 1), line('ITEM-001', 7)], (sku) => catalog.get(sku)),
    ).toThrow(expect.objectContaining({ code: 'out_of_stock', param: 'items[2].quantity', status: 409 }));
  });
});
