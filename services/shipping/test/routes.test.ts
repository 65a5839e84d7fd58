import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJson, postJson, startInProcess, tempDir } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { createShippingService, envSchema } from '../src/main.ts';

const address = { street: '123 Main St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' };
const items = [{ sku: 'ITEM-001', quantity: 2 }];
const ok = { 'X-Chaos-Outcome': 'success' };
let data: ReturnType<typeof tempDir>;
let svc: Running;

beforeAll(async () => {
  data = tempDir();
  // Label time shortened through config: 150–200 ms instead of ~20 s.
  const chaosFile = join(data.dir, 'chaos.json');
  writeFileSync(chaosFile, JSON.stringify({ overrides: { createLabel: { latency: { baseMs: 150, jitterMs: 50 } } } }));
  svc = await startInProcess(createShippingService, { DATA_DIR: data.dir, CHAOS_FILE: chaosFile }, envSchema);
});
afterAll(async () => {
  await svc.close();
  data.remove();
});

describe('POST /shipping/create-label', () => {
  it('takes the configured label time and records a label with a tracking number', async () => {
    const started = performance.now();
    const res = await postJson(`${svc.url}/shipping/create-label`, { orderId: 'ORD-S1', address, items }, ok);
    expect(performance.now() - started).toBeGreaterThanOrEqual(150);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ orderId: 'ORD-S1', status: 'created', address, items });
    expect(res.body.trackingNumber).toMatch(/^1Z[0-9A-F]{16}$/);
    const ledger = await getJson(`${svc.url}/shipping/ledger?orderId=ORD-S1`);
    expect(ledger.body.labels).toHaveLength(1);
  });

  it('answers an address error as a definitive 422 naming address, and records nothing', async () => {
    const res = await postJson(
      `${svc.url}/shipping/create-label`,
      { orderId: 'ORD-S2', address, items },
      { 'X-Chaos-Outcome': 'address_error', 'Idempotency-Key': 'addr-1' },
    );
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'address_invalid', param: 'address' });
    const replay = await postJson(
      `${svc.url}/shipping/create-label`,
      { orderId: 'ORD-S2', address, items },
      { 'Idempotency-Key': 'addr-1' },
    );
    expect(replay.status).toBe(422);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((await getJson(`${svc.url}/shipping/ledger?orderId=ORD-S2`)).body.labels).toHaveLength(0);
  });

  it('refuses a bad address naming the field', async () => {
    const res = await postJson(
      `${svc.url}/shipping/create-label`,
      { orderId: 'ORD-S3', address: { ...address, country: 'usa' }, items },
      ok,
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ param: 'address.country' });
  });
});

describe('POST /shipping/cancel', () => {
  it('cancels a label and is idempotent', async () => {
    const label = await postJson(`${svc.url}/shipping/create-label`, { orderId: 'ORD-S4', address, items }, ok);
    const first = await postJson(`${svc.url}/shipping/cancel`, { labelId: label.body.labelId }, ok);
    const second = await postJson(`${svc.url}/shipping/cancel`, { labelId: label.body.labelId }, ok);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ status: 'cancelled', cancelledAt: first.body.cancelledAt });
  });

  it('answers 404 for an unknown label', async () => {
    const res = await postJson(`${svc.url}/shipping/cancel`, { labelId: 'lbl_nope' }, ok);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'resource_missing', param: 'labelId' });
  });
});

describe('default chaos profile', () => {
  it('advertises the ~20 s label time and the SPEC mix', async () => {
    const fresh = tempDir();
    const plain = await startInProcess(createShippingService, { DATA_DIR: fresh.dir }, envSchema);
    const res = await getJson(`${plain.url}/shipping/chaos/distribution`);
    await plain.close();
    fresh.remove();
    expect(res.body.operations.createLabel).toEqual({
      weights: { success: 60, address_error: 20, timeout: 20 },
      latency: { baseMs: 19_000, jitterMs: 2_000, extraMs: 1_000 },
    });
  });
});
