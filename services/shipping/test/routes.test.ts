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

describe('label jobs outlive their caller', () => {
  // A label time long enough to hang up in the middle of it, and to tell "the rest" from "all of it".
  const LABEL_MS = 2_000;
  let dir: ReturnType<typeof tempDir>;
  let chaosFile: string;
  let slow: Running | undefined;
  const start = async (): Promise<Running> =>
    (slow = await startInProcess(createShippingService, { DATA_DIR: dir.dir, CHAOS_FILE: chaosFile }, envSchema));
  beforeEach(async () => {
    dir = tempDir();
    chaosFile = join(dir.dir, 'chaos.json');
    writeFileSync(
      chaosFile,
      JSON.stringify({ overrides: { createLabel: { latency: { baseMs: LABEL_MS, jitterMs: 0 } } } }),
    );
    await start();
  });
  afterEach(async () => {
    await slow?.close();
    dir.remove();
  });

  /** Sends a label request and hangs up after `ms`, as a killed worker does. */
  async function hangUpAfter(url: string, orderId: string, key: string, ms: number): Promise<void> {
    const abort = new AbortController();
    const sent = postJson(
      `${url}/shipping/create-label`,
      { orderId, address, items },
      { ...ok, 'Idempotency-Key': key },
      abort.signal,
    );
    await new Promise((r) => setTimeout(r, ms));
    abort.abort();
    await expect(sent).rejects.toThrow();
  }

  it('keeps the job when the caller hangs up; a repeat with its key waits only the remaining time', async () => {
    const began = Date.now();
    await hangUpAfter(slow!.url, 'ORD-J1', 'job-1', 300);
    const during = await getJson(`${slow!.url}/shipping/ledger?orderId=ORD-J1`);
    expect(during.body.labels).toEqual([expect.objectContaining({ status: 'pending' })]);
    await new Promise((r) => setTimeout(r, 700));

    const retried = Date.now();
    const res = await postJson(
      `${slow!.url}/shipping/create-label`,
      { orderId: 'ORD-J1', address, items },
      { 'Idempotency-Key': 'job-1' },
    );
    const retryMs = Date.now() - retried;
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ labelId: during.body.labels[0].labelId, status: 'created' });
    expect(Date.now() - began).toBeGreaterThanOrEqual(LABEL_MS - 50);
    // The rest of the job (~1 s), not a whole new label time.
    expect(retryMs).toBeLessThan(LABEL_MS - 400);
    expect((await getJson(`${slow!.url}/shipping/ledger?orderId=ORD-J1`)).body.labels).toEqual([
      expect.objectContaining({ status: 'created', labelId: res.body.labelId }),
    ]);
  });

  it('finishes the job across a restart of the service, and a repeat attaches to it', async () => {
    await hangUpAfter(slow!.url, 'ORD-J2', 'job-2', 300);
    const { labels } = (await getJson(`${slow!.url}/shipping/ledger?orderId=ORD-J2`)).body;
    await slow!.close();
    slow = undefined;
    const again = await start();
    const res = await postJson(
      `${again.url}/shipping/create-label`,
      { orderId: 'ORD-J2', address, items },
      { 'Idempotency-Key': 'job-2' },
    );
    expect(res.status).toBe(201);
    expect(res.headers.get('idempotent-replayed')).toBe('true');
    expect(res.body).toMatchObject({ labelId: labels[0].labelId, status: 'created' });
    expect((await getJson(`${again.url}/shipping/ledger?orderId=ORD-J2`)).body.labels).toHaveLength(1);
  });

  it('cancels a pending job: it never becomes a live label, and a waiting caller gets it cancelled', async () => {
    const waiting = postJson(
      `${slow!.url}/shipping/create-label`,
      { orderId: 'ORD-J3', address, items },
      { ...ok, 'Idempotency-Key': 'job-3' },
    );
    await new Promise((r) => setTimeout(r, 300));
    const [pending] = (await getJson(`${slow!.url}/shipping/ledger?orderId=ORD-J3`)).body.labels;
    const cancelled = await postJson(`${slow!.url}/shipping/cancel`, { labelId: pending.labelId }, ok);
    expect(cancelled.body).toMatchObject({ status: 'cancelled' });
    const answer = await waiting;
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ labelId: pending.labelId, status: 'cancelled' });
    expect((await getJson(`${slow!.url}/shipping/ledger?orderId=ORD-J3`)).body.labels).toEqual([
      expect.objectContaining({ status: 'cancelled' }),
    ]);
  });

  it('answers two callers of one key from the one job', async () => {
    const body = { orderId: 'ORD-J4', address, items };
    const first = postJson(`${slow!.url}/shipping/create-label`, body, { ...ok, 'Idempotency-Key': 'job-4' });
    await new Promise((r) => setTimeout(r, 200));
    const second = await postJson(`${slow!.url}/shipping/create-label`, body, { 'Idempotency-Key': 'job-4' });
    expect(second.status).toBe(201);
    expect(second.body.labelId).toBe((await first).body.labelId);
    expect((await getJson(`${slow!.url}/shipping/ledger?orderId=ORD-J4`)).body.labels).toHaveLength(1);
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
  it('advertises the ~20 s label time and the default mix', async () => {
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
