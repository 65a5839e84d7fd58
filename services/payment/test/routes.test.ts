/**
 * The payment ledger's rules over real HTTP, against a real SQLite file. Chaos is forced
 * to `success` on every request, so the answers below come from the ledger, not from chaos.
 */
import { expectError, forceSuccess, startPayment } from './support.ts';
import type { Capture, Payment, Refund } from './support.ts';

let svc: Payment;
beforeAll(async () => {
  svc = await startPayment();
});
afterAll(() => svc.close());

const capture = (body: Record<string, unknown>) => svc.post('/payment/capture', body, forceSuccess);
const release = (body: Record<string, unknown>) => svc.post('/payment/release', body, forceSuccess);
const refund = (body: Record<string, unknown>) => svc.post('/payment/refund', body, forceSuccess);

describe('POST /payment/authorize', () => {
  it('places a hold in integer minor units and records it in the ledger', async () => {
    const hold = await svc.authorize('ORD-AUTH-1', 5998);
    expect(hold).toMatchObject({
      orderId: 'ORD-AUTH-1',
      customerId: 'CUST-1',
      amount: 5998,
      currency: 'usd',
      status: 'authorized',
    });
    expect(hold.authorizationId).toMatch(/^auth_/);
    expect((await svc.ledger('ORD-AUTH-1')).authorizations).toEqual([hold]);
  });
});

describe('POST /payment/capture', () => {
  it('captures the full hold by default and marks the hold captured', async () => {
    const hold = await svc.authorize('ORD-CAP-1', 5998);
    const res = await capture({ authorizationId: hold.authorizationId });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ authorizationId: hold.authorizationId, orderId: 'ORD-CAP-1', amount: 5998 });
    const ledger = await svc.ledger('ORD-CAP-1');
    expect(ledger.captures).toEqual([res.body]);
    expect(ledger.authorizations.map((h) => h.status)).toEqual(['captured']);
  });

  it('captures less than the hold when asked', async () => {
    const hold = await svc.authorize('ORD-CAP-PART', 5000);
    const res = await capture({ authorizationId: hold.authorizationId, amount: 1234 });
    expect(res.status).toBe(200);
    expect(res.body.amount).toBe(1234);
    expect((await svc.ledger('ORD-CAP-PART')).captures.map((c) => c.amount)).toEqual([1234]);
  });

  it('needs a live hold: an unknown authorization is 404 and changes nothing', async () => {
    const before = svc.rows();
    const res = await capture({ authorizationId: 'auth_missing' });
    expectError(res, 404, { type: 'invalid_request_error', code: 'resource_missing', param: 'authorizationId' });
    expect(svc.rows().captures).toBe(before.captures);
  });

  it('refuses a second capture of the same hold, from the ledger', async () => {
    const hold = await svc.authorize('ORD-CAP-2');
    expect((await capture({ authorizationId: hold.authorizationId })).status).toBe(200);
    const second = await capture({ authorizationId: hold.authorizationId });
    expectError(second, 409, {
      type: 'invalid_request_error',
      code: 'charge_already_captured',
      param: 'authorizationId',
    });
    // The outcome was forced to success: the 409 is the ledger's answer, not chaos's.
    expect(second.headers.get('x-chaos-outcome')).toBe('success');
    expect((await svc.ledger('ORD-CAP-2')).captures).toHaveLength(1);
  });

  it('refuses to capture more than the hold, naming amount', async () => {
    const hold = await svc.authorize('ORD-CAP-3', 1000);
    const res = await capture({ authorizationId: hold.authorizationId, amount: 1001 });
    expectError(res, 400, { type: 'invalid_request_error', code: 'amount_too_large', param: 'amount' });
    const ledger = await svc.ledger('ORD-CAP-3');
    expect(ledger.captures).toEqual([]);
    expect(ledger.authorizations[0]!.status).toBe('authorized');
  });

  it('refuses to capture a released hold', async () => {
    const hold = await svc.authorize('ORD-CAP-4');
    expect((await release({ authorizationId: hold.authorizationId })).status).toBe(200);
    const res = await capture({ authorizationId: hold.authorizationId });
    expectError(res, 409, { type: 'invalid_request_error', code: 'authorization_released', param: 'authorizationId' });
    expect((await svc.ledger('ORD-CAP-4')).captures).toEqual([]);
  });
});

describe('POST /payment/release', () => {
  it('answers 404 for an unknown hold', async () => {
    const res = await release({ authorizationId: 'auth_nope' });
    expectError(res, 404, { type: 'invalid_request_error', code: 'resource_missing', param: 'authorizationId' });
  });

  it('answers 409 for a captured hold and leaves it captured', async () => {
    const hold = await svc.authorize('ORD-REL-1');
    expect((await capture({ authorizationId: hold.authorizationId })).status).toBe(200);
    const res = await release({ authorizationId: hold.authorizationId });
    expectError(res, 409, { type: 'invalid_request_error', code: 'charge_already_captured', param: 'authorizationId' });
    expect((await svc.ledger('ORD-REL-1')).authorizations.map((h) => h.status)).toEqual(['captured']);
  });

  it('releases twice without error, and the ledger shows one released hold', async () => {
    const hold = await svc.authorize('ORD-REL-2', 700);
    const first = await release({ authorizationId: hold.authorizationId });
    const second = await release({ authorizationId: hold.authorizationId });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.body).toEqual({ ...hold, status: 'released' });
    expect(second.body).toEqual({ ...hold, status: 'released' });
    const ledger = await svc.ledger('ORD-REL-2');
    expect(ledger.authorizations).toEqual([{ ...hold, status: 'released' }]);
    expect(ledger.captures).toEqual([]);
  });
});

describe('POST /payment/refund', () => {
  it('needs a capture: an unknown capture is 404', async () => {
    const before = svc.rows();
    const res = await refund({ captureId: 'cap_missing' });
    expectError(res, 404, { type: 'invalid_request_error', code: 'resource_missing', param: 'captureId' });
    expect(svc.rows().refunds).toBe(before.refunds);
  });

  it('refunds a capture once and refuses a second refund with charge_already_refunded', async () => {
    const hold = await svc.authorize('ORD-REF-1', 2500);
    const cap = (await capture({ authorizationId: hold.authorizationId })).body as Capture;
    const first = await refund({ captureId: cap.captureId });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ captureId: cap.captureId, orderId: 'ORD-REF-1', amount: 2500 });
    const second = await refund({ captureId: cap.captureId });
    expectError(second, 409, { type: 'invalid_request_error', code: 'charge_already_refunded', param: 'captureId' });
    expect((await svc.ledger('ORD-REF-1')).refunds).toEqual([first.body]);
  });

  it('refuses to refund more than the capture, naming amount', async () => {
    const hold = await svc.authorize('ORD-REF-2', 2500);
    const cap = (await capture({ authorizationId: hold.authorizationId, amount: 2000 })).body as Capture;
    const res = await refund({ captureId: cap.captureId, amount: 2001 });
    expectError(res, 400, { type: 'invalid_request_error', code: 'amount_too_large', param: 'amount' });
    expect((await svc.ledger('ORD-REF-2')).refunds).toEqual([]);
  });
});

describe('GET /payment/ledger', () => {
  it('shows exactly the rows of the order asked for', async () => {
    const hold = await svc.authorize('ORD-LEDGER-A', 4200);
    const other = await svc.authorize('ORD-LEDGER-B', 100);
    const cap = (await capture({ authorizationId: hold.authorizationId })).body as Capture;
    const ref = (await refund({ captureId: cap.captureId, amount: 200 })).body as Refund;
    await release({ authorizationId: other.authorizationId });

    expect(await svc.ledger('ORD-LEDGER-A')).toEqual({
      orderId: 'ORD-LEDGER-A',
      authorizations: [{ ...hold, status: 'captured' }],
      captures: [cap],
      refunds: [ref],
    });
    expect(await svc.ledger('ORD-LEDGER-B')).toEqual({
      orderId: 'ORD-LEDGER-B',
      authorizations: [{ ...other, status: 'released' }],
      captures: [],
      refunds: [],
    });
    expect(await svc.ledger('ORD-NEVER-SEEN')).toEqual({
      orderId: 'ORD-NEVER-SEEN',
      authorizations: [],
      captures: [],
      refunds: [],
    });
  });

  it('requires orderId', async () => {
    const res = await svc.get('/payment/ledger');
    expectError(res, 400, { type: 'invalid_request_error', param: 'orderId' });
  });
});
