import { getJson, postJson, startInProcess, tempDir } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { createInventoryService, envSchema } from '../src/main.ts';

const ok = { 'X-Chaos-Outcome': 'success' };
const admin = { authorization: 'Bearer test-admin-token' };
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

async function stockOf(sku: string): Promise<{ total: number; available: number; reserved: number }> {
  const res = await getJson(`${svc.url}/inventory/stock`);
  return res.body.items.find((s: { sku: string }) => s.sku === sku);
}

describe('POST /inventory/reserve', () => {
  it('decrements available stock and records the reservation', async () => {
    const res = await postJson(
      `${svc.url}/inventory/reserve`,
      {
        orderId: 'ORD-R1',
        items: [
          { sku: 'ITEM-001', quantity: 3 },
          { sku: 'ITEM-002', quantity: 1 },
        ],
      },
      ok,
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      orderId: 'ORD-R1',
      status: 'reserved',
      items: [
        { sku: 'ITEM-001', quantity: 3 },
        { sku: 'ITEM-002', quantity: 1 },
      ],
    });
    expect(await stockOf('ITEM-001')).toMatchObject({ total: 100, available: 97, reserved: 3 });
    const ledger = await getJson(`${svc.url}/inventory/ledger?orderId=ORD-R1`);
    expect(ledger.body.reservations).toHaveLength(1);
  });

  it('reserves all lines or none: a short line leaves every SKU untouched', async () => {
    const res = await postJson(
      `${svc.url}/inventory/reserve`,
      {
        orderId: 'ORD-R2',
        items: [
          { sku: 'ITEM-003', quantity: 1 },
          { sku: 'ITEM-004', quantity: 101 },
        ],
      },
      ok,
    );
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'out_of_stock',
      param: 'items[1].quantity',
    });
    expect(await stockOf('ITEM-003')).toMatchObject({ available: 100, reserved: 0 });
    expect((await getJson(`${svc.url}/inventory/ledger?orderId=ORD-R2`)).body.reservations).toHaveLength(0);
  });

  it('names an unknown SKU and changes nothing', async () => {
    const res = await postJson(
      `${svc.url}/inventory/reserve`,
      {
        orderId: 'ORD-R3',
        items: [
          { sku: 'ITEM-001', quantity: 1 },
          { sku: 'NOPE', quantity: 1 },
        ],
      },
      ok,
    );
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'resource_missing', param: 'items[1].sku' });
    expect((await getJson(`${svc.url}/inventory/ledger?orderId=ORD-R3`)).body.reservations).toHaveLength(0);
  });

  it.each([
    ['a zero quantity', 'items[0].quantity', { orderId: 'ORD-B1', items: [{ sku: 'ITEM-001', quantity: 0 }] }],
    ['a fractional quantity', 'items[0].quantity', { orderId: 'ORD-B2', items: [{ sku: 'ITEM-001', quantity: 1.5 }] }],
    ['no items', 'items', { orderId: 'ORD-B3', items: [] }],
    ['a missing orderId', 'orderId', { items: [{ sku: 'ITEM-001', quantity: 1 }] }],
  ])('refuses %s with a 400 naming %s, and moves no stock', async (_name, param, body) => {
    // Every reservation takes units, so an unchanged stock list proves nothing was reserved, whatever
    // order id (if any) a wrongly accepted request would have been recorded under.
    const before = (await getJson(`${svc.url}/inventory/stock`)).body;
    const res = await postJson(`${svc.url}/inventory/reserve`, body, ok);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param });
    expect((await getJson(`${svc.url}/inventory/stock`)).body).toEqual(before);
    if ('orderId' in body)
      expect((await getJson(`${svc.url}/inventory/ledger?orderId=${body.orderId}`)).body.reservations).toHaveLength(0);
  });

  it('never lets stock go negative under 50 concurrent reservations of the last units', async () => {
    await postJson(`${svc.url}/inventory/restock`, { sku: 'LAST-UNITS', quantity: 10 }, admin);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        postJson(
          `${svc.url}/inventory/reserve`,
          { orderId: `ORD-C${i}`, items: [{ sku: 'LAST-UNITS', quantity: 1 }] },
          ok,
        ),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 409)).toHaveLength(40);
    expect(await stockOf('LAST-UNITS')).toMatchObject({ total: 10, available: 0, reserved: 10 });
  });
});

describe('POST /inventory/release', () => {
  it('restores the stock once, however often it is released', async () => {
    const reserved = await postJson(
      `${svc.url}/inventory/reserve`,
      { orderId: 'ORD-REL', items: [{ sku: 'ITEM-010', quantity: 4 }] },
      ok,
    );
    expect(await stockOf('ITEM-010')).toMatchObject({ available: 96, reserved: 4 });
    for (const _ of [1, 2, 3]) {
      const res = await postJson(`${svc.url}/inventory/release`, { reservationId: reserved.body.reservationId }, ok);
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('released');
    }
    expect(await stockOf('ITEM-010')).toMatchObject({ total: 100, available: 100, reserved: 0 });
  });

  it('answers 404 for an unknown reservation', async () => {
    const res = await postJson(`${svc.url}/inventory/release`, { reservationId: 'res_nope' }, ok);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'resource_missing', param: 'reservationId' });
  });
});

describe('POST /inventory/restock', () => {
  it('needs the admin token', async () => {
    const res = await postJson(`${svc.url}/inventory/restock`, { sku: 'ITEM-001', quantity: 5 });
    expect(res.status).toBe(401);
    expect(await stockOf('ITEM-001')).toMatchObject({ total: 100 });
  });

  it('adds units to total and available, keeping total = available + reserved', async () => {
    const res = await postJson(`${svc.url}/inventory/restock`, { sku: 'ITEM-005', quantity: 5 }, admin);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ sku: 'ITEM-005', total: 105, available: 105 });
    const all = (await getJson(`${svc.url}/inventory/stock`)).body.items as Array<{
      total: number;
      available: number;
      reserved: number;
    }>;
    for (const s of all) expect(s.total).toBe(s.available + s.reserved);
  });
});
