import { getJson, postJson, startInProcess, tempDir } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { createNotificationService, envSchema } from '../src/main.ts';

const ok = { 'X-Chaos-Outcome': 'success' };
let data: ReturnType<typeof tempDir>;
let svc: Running;

beforeAll(async () => {
  data = tempDir();
  svc = await startInProcess(createNotificationService, { DATA_DIR: data.dir }, envSchema);
});
afterAll(async () => {
  await svc.close();
  data.remove();
});

describe('POST /notification/send', () => {
  it('records the send with recipient, template and order id', async () => {
    const res = await postJson(
      `${svc.url}/notification/send`,
      { orderId: 'ORD-N1', channel: 'email', to: 'test@example.com', template: 'order_shipped' },
      ok,
    );
    expect(res.status).toBe(201);
    const ledger = await getJson(`${svc.url}/notification/ledger?orderId=ORD-N1`);
    expect(ledger.body.notifications).toEqual([
      expect.objectContaining({
        orderId: 'ORD-N1',
        channel: 'email',
        to: 'test@example.com',
        template: 'order_shipped',
      }),
    ]);
  });

  it.each([
    ['an e-mail that is not one', { channel: 'email', to: 'not-an-email' }, 'to'],
    ['an SMS number that is not E.164', { channel: 'sms', to: '555-0100' }, 'to'],
    ['an unknown channel', { channel: 'pigeon', to: 'x' }, 'channel'],
  ])('refuses %s naming %s, and records nothing', async (_name, fields, param) => {
    const res = await postJson(
      `${svc.url}/notification/send`,
      { orderId: 'ORD-N2', template: 'order_shipped', ...fields },
      ok,
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param });
    expect((await getJson(`${svc.url}/notification/ledger?orderId=ORD-N2`)).body.notifications).toHaveLength(0);
  });

  it('a forced timeout records nothing and a retry with the same key sends once', async () => {
    const put = await fetch(`${svc.url}/notification/chaos`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-admin-token' },
      body: JSON.stringify({ profile: 'off', timeoutMs: 50 }),
    });
    expect(put.status).toBe(200);
    const body = { orderId: 'ORD-N3', channel: 'sms', to: '+14155550100', template: 'order_shipped' };
    const first = await postJson(`${svc.url}/notification/send`, body, {
      'Idempotency-Key': 'n3',
      'X-Chaos-Outcome': 'timeout',
    });
    expect(first.status).toBe(504);
    expect((await getJson(`${svc.url}/notification/ledger?orderId=ORD-N3`)).body.notifications).toHaveLength(0);
    const retry = await postJson(`${svc.url}/notification/send`, body, { 'Idempotency-Key': 'n3' });
    expect(retry.status).toBe(201);
    expect((await getJson(`${svc.url}/notification/ledger?orderId=ORD-N3`)).body.notifications).toHaveLength(1);
  });
});
