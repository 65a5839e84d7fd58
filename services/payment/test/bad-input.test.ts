/**
 * Bad input: every case answers 4xx in the one error shape naming the bad field, and
 * changes no state (row counts read from the SQLite file itself).
 */
import { expectError, forceSuccess, startPayment } from './support.ts';
import type { Hold, Payment } from './support.ts';

let svc: Payment;
let hold: Hold;
beforeAll(async () => {
  svc = await startPayment({ env: { BODY_LIMIT: '1kb' } });
  hold = await svc.authorize('ORD-BAD-BASE', 1000);
});
afterAll(() => svc.close());

/** Sends one bad request and checks that nothing was stored (ledger rows nor idempotency keys). */
async function rejected(
  path: string,
  body: unknown,
  status: number,
  error: { type?: string; code?: string; param?: string },
) {
  const before = svc.rows();
  const res = await svc.post(path, body, { ...forceSuccess, 'Idempotency-Key': `bad-${Math.random()}` });
  expectError(res, status, { type: 'invalid_request_error', ...error });
  expect(svc.rows()).toEqual(before);
  return res;
}

const auth = { orderId: 'ORD-BAD', customerId: 'CUST-1', amount: 500 };

describe('POST /payment/authorize with bad input', () => {
  it('refuses malformed JSON', async () => {
    await rejected('/payment/authorize', '{"orderId": "ORD-BAD", "amount": ', 400, { code: 'invalid_json' });
  });

  it.each([
    ['a string amount', { ...auth, amount: '500' }, 'amount'],
    ['a numeric orderId', { ...auth, orderId: 42 }, 'orderId'],
    ['a null customerId', { ...auth, customerId: null }, 'customerId'],
    ['an uppercase currency', { ...auth, currency: 'USD' }, 'currency'],
  ])('refuses wrong types: %s', async (_what, body, param) => {
    await rejected('/payment/authorize', body, 400, { code: 'parameter_invalid', param });
  });

  it.each([
    ['orderId', { customerId: 'C', amount: 1 }],
    ['customerId', { orderId: 'O', amount: 1 }],
    ['amount', { orderId: 'O', customerId: 'C' }],
  ])('refuses a missing %s', async (param, body) => {
    await rejected('/payment/authorize', body, 400, { code: 'parameter_invalid', param });
  });

  it.each([
    ['negative', -100],
    ['zero', 0],
    ['fractional', 10.5],
    ['beyond the maximum', 100_000_000_01],
  ])('refuses a %s amount in minor units', async (_what, amount) => {
    await rejected('/payment/authorize', { ...auth, amount }, 400, { code: 'parameter_invalid', param: 'amount' });
  });

  it('refuses an empty orderId', async () => {
    await rejected('/payment/authorize', { ...auth, orderId: '   ' }, 400, { param: 'orderId' });
  });

  it('refuses an unknown extra field, naming it', async () => {
    const res = await rejected('/payment/authorize', { ...auth, coupon: 'FREE' }, 400, { param: 'coupon' });
    expect(res.body.error.message).toContain('coupon');
  });

  it.each([
    ['an array', [auth]],
    ['a JSON string', '"hello"'],
    ['null', 'null'],
  ])('refuses %s as the body', async (_what, body) => {
    await rejected('/payment/authorize', body, 400, {});
  });

  it('refuses a body larger than BODY_LIMIT with 413', async () => {
    const before = svc.rows();
    const res = await svc.post('/payment/authorize', { ...auth, customerId: 'x'.repeat(2048) }, forceSuccess);
    expectError(res, 413, { type: 'invalid_request_error', code: 'body_too_large' });
    expect(svc.rows()).toEqual(before);
  });

  it('refuses a body that is not JSON', async () => {
    const before = svc.rows();
    const res = await fetch(`${svc.url}/payment/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', ...forceSuccess },
      body: 'orderId=ORD-BAD',
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as { error: { type: string; correlation_id: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.correlation_id).toBe(res.headers.get('x-correlation-id'));
    expect(svc.rows()).toEqual(before);
  });
});

describe('POST /payment/capture, /release and /refund with bad input', () => {
  it('refuses a negative, fractional or string capture amount, and leaves the hold authorized', async () => {
    for (const amount of [-1, 0.5, '10']) {
      await rejected('/payment/capture', { authorizationId: hold.authorizationId, amount }, 400, { param: 'amount' });
    }
    expect((await svc.ledger('ORD-BAD-BASE')).authorizations[0]!.status).toBe('authorized');
  });

  it('refuses a missing or wrongly typed authorizationId or captureId', async () => {
    await rejected('/payment/capture', {}, 400, { param: 'authorizationId' });
    await rejected('/payment/release', { authorizationId: 7 }, 400, { param: 'authorizationId' });
    await rejected('/payment/refund', { captureId: '' }, 400, { param: 'captureId' });
    await rejected('/payment/refund', { captureId: 'cap_x', amount: -3 }, 400, { param: 'amount' });
    await rejected('/payment/release', { authorizationId: hold.authorizationId, force: true }, 400, { param: 'force' });
  });
});

describe('unknown routes and methods', () => {
  it('answers 404 route_not_found for an unknown path', async () => {
    const res = await svc.post('/payment/teleport', auth);
    expectError(res, 404, { type: 'invalid_request_error', code: 'route_not_found' });
    const get = await svc.get('/nowhere');
    expectError(get, 404, { type: 'invalid_request_error', code: 'route_not_found' });
  });

  it('answers 405 in the error shape for a known path with the wrong method', async () => {
    const res = await svc.get('/payment/authorize');
    expect(res.status).toBe(405);
    expect(res.body.error).toMatchObject({
      type: 'invalid_request_error',
      correlation_id: res.headers.get('x-correlation-id'),
    });
  });
});

describe('X-Correlation-Id', () => {
  it('is echoed, and appears as correlation_id in error bodies', async () => {
    const res = await svc.post(
      '/payment/capture',
      { authorizationId: 'auth_none' },
      { ...forceSuccess, 'X-Correlation-Id': 'corr-test-123' },
    );
    expect(res.headers.get('x-correlation-id')).toBe('corr-test-123');
    expectError(res, 404, { type: 'invalid_request_error', code: 'resource_missing' });
    expect(res.body.error.correlation_id).toBe('corr-test-123');

    const ok = await svc.post(
      '/payment/authorize',
      { ...auth, orderId: 'ORD-CORR' },
      { ...forceSuccess, 'X-Correlation-Id': 'corr-ok-1' },
    );
    expect(ok.status).toBe(201);
    expect(ok.headers.get('x-correlation-id')).toBe('corr-ok-1');
  });

  it('is generated when absent, a new one per request', async () => {
    const a = await svc.post('/payment/capture', {}, forceSuccess);
    const b = await svc.post('/payment/capture', {}, forceSuccess);
    const idA = a.headers.get('x-correlation-id');
    const idB = b.headers.get('x-correlation-id');
    expect(idA).toMatch(/^corr_[0-9a-f-]{36}$/);
    expect(idB).toMatch(/^corr_[0-9a-f-]{36}$/);
    expect(idA).not.toBe(idB);
    expect(a.body.error.correlation_id).toBe(idA);
  });

  it('is generated for standard endpoints too', async () => {
    const res = await svc.get('/health');
    expect(res.headers.get('x-correlation-id')).toMatch(/^corr_/);
  });
});
