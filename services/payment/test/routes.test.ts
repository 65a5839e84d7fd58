import { getJson, postJson, startInProcess, tempDir } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { createPaymentService } from '../src/main.ts';

const ok = { 'X-Chaos-Outcome': 'success' };
let data: ReturnType<typeof tempDir>;
let svc: Running;

beforeAll(async () => {
  data = tempDir();
  svc = await startInProcess(createPaymentService, { DATA_DIR: data.dir });
});
afterAll(async () => {
  await svc.close();
  data.remove();
});

async function authorize(orderId: string, amount = 5998) {
  const res = await postJson(`${svc.url}/payment/authorize`, { orderId, customerId: 'CUST-1', amount }, ok);
  expect(res.status).toBe(201);
  return res.body as { authorizationId: string; amount: number };
}

describe('POST /payment/capture', () => {
  it('captures a live hold once and refuses a second capture from the ledger', async () => {
    const hold = await authorize('ORD-CAP-1');
    const first = await postJson(`${svc.url}/payment/capture`, { authorizationId: hold.authorizationId }, ok);
    expect(first.status).toBe(200);
    expect(first.body.amount).toBe(5998);
    const second = await postJson(`${svc.url}/payment/capture`, { authorizationId: hold.authorizationId }, ok);
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ type: 'invalid_request_error', code: 'charge_already_captured' });
    const ledger = await getJson(`${svc.url}/payment/ledger?orderId=ORD-CAP-1`);
    expect(ledger.body.captures).toHaveLength(1);
    expect(ledger.body.authorizations[0].status).toBe('captured');
  });

  it('needs a live hold', async () => {
    const res = await postJson(`${svc.url}/payment/capture`, { authorizationId: 'auth_missing' }, ok);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'resource_missing', param: 'authorizationId' });
  });
});
