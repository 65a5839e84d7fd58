/**
 * Idempotency-Key on the payment POSTs (Stripe's semantics), over real HTTP against a
 * real SQLite file. Outcomes are forced with X-Chaos-Outcome; the chaos file keeps the waits short.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, expectError, forceSuccess, startPayment } from './support.ts';
import type { Capture, Payment } from './support.ts';

const TIMEOUT_MS = 150;
const EXTRA_MS = 400;

let svc: Payment;
beforeAll(async () => {
  svc = await startPayment({
    chaos: {
      profile: 'default',
      timeoutMs: TIMEOUT_MS,
      retryAfterSeconds: 7,
      overrides: { authorize: { latency: { extraMs: EXTRA_MS } } },
    },
  });
});
afterAll(() => svc.close());

const body = (orderId: string, amount = 3000) => ({ orderId, customerId: 'CUST-9', amount });
const authorize = (orderId: string, key: string, outcome = 'success', amount = 3000) =>
  svc.post('/payment/authorize', body(orderId, amount), { 'Idempotency-Key': key, 'X-Chaos-Outcome': outcome });

describe('Idempotency-Key on POST /payment/authorize', () => {
  it('replays the first status and body for the same key and body, and the ledger has one hold', async () => {
    const first = await authorize('ORD-IDEM-1', 'key-idem-1');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    // The retry asks for another outcome: a replay does not draw at all.
    const again = await authorize('ORD-IDEM-1', 'key-idem-1', 'server_error');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);

    const ledger = await svc.ledger('ORD-IDEM-1');
    expect(ledger.authorizations).toEqual([first.body]);
  });

  it('treats the same JSON with its keys in another order as the same body', async () => {
    const first = await authorize('ORD-IDEM-ORDER', 'key-idem-order');
    const reordered = await svc.post(
      '/payment/authorize',
      { amount: 3000, customerId: 'CUST-9', orderId: 'ORD-IDEM-ORDER' },
      { 'Idempotency-Key': 'key-idem-order', ...forceSuccess },
    );
    expect(reordered.status).toBe(201);
    expect(reordered.headers.get('idempotent-replayed')).toBe('true');
    expect(reordered.body).toEqual(first.body);
  });

  it('refuses the same key with a different body with a 400 idempotency_error', async () => {
    expect((await authorize('ORD-IDEM-2', 'key-idem-2')).status).toBe(201);
    const other = await authorize('ORD-IDEM-2', 'key-idem-2', 'success', 3001);
    expectError(other, 400, { type: 'idempotency_error', param: 'Idempotency-Key' });
    expect((await svc.ledger('ORD-IDEM-2')).authorizations.map((h) => h.amount)).toEqual([3000]);
  });

  it('refuses the same key while the first request is still in flight with a 409 idempotency_error', async () => {
    // The first request takes EXTRA_MS (forced `latency`); the second arrives while it runs.
    const started = performance.now();
    const slow = authorize('ORD-IDEM-3', 'key-idem-3', 'latency');
    await sleep(100);
    const concurrent = await authorize('ORD-IDEM-3', 'key-idem-3');
    expect(performance.now() - started).toBeLessThan(EXTRA_MS);
    expectError(concurrent, 409, {
      type: 'idempotency_error',
      code: 'idempotency_key_in_flight',
      param: 'Idempotency-Key',
    });
    // A key in flight lives in memory only: nothing is stored until the answer is definitive.
    expect(svc.storedKey('key-idem-3')).toBeUndefined();

    const first = await slow;
    expect(first.status).toBe(201);
    expect(performance.now() - started).toBeGreaterThanOrEqual(EXTRA_MS - 5);
    const after = await authorize('ORD-IDEM-3', 'key-idem-3');
    expect(after.status).toBe(201);
    expect(after.headers.get('idempotent-replayed')).toBe('true');
    expect(after.body).toEqual(first.body);
    expect((await svc.ledger('ORD-IDEM-3')).authorizations).toHaveLength(1);
  });

  it('applies nothing and frees the key when the caller hangs up during latency', async () => {
    await expect(
      svc.post(
        '/payment/authorize',
        body('ORD-HANGUP'),
        { 'Idempotency-Key': 'key-hangup', 'X-Chaos-Outcome': 'latency' },
        AbortSignal.timeout(100),
      ),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    await eventually(() => svc.storedKey('key-hangup') === undefined, 'the key to be freed');
    expect((await svc.ledger('ORD-HANGUP')).authorizations).toEqual([]);
    const retry = await authorize('ORD-HANGUP', 'key-hangup');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect((await svc.ledger('ORD-HANGUP')).authorizations).toEqual([retry.body]);
  });

  describe('transient chaos outcomes store nothing: a retry with the same key draws again', () => {
    it('timeout: a 504 after timeoutMs, then the retry succeeds', async () => {
      const started = performance.now();
      const res = await authorize('ORD-T-TIMEOUT', 'key-t-timeout', 'timeout');
      expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
      expectError(res, 504, { type: 'api_error', code: 'timeout' });
      expect(svc.storedKey('key-t-timeout')).toBeUndefined();
      expect((await svc.ledger('ORD-T-TIMEOUT')).authorizations).toEqual([]);

      const retry = await authorize('ORD-T-TIMEOUT', 'key-t-timeout');
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBeNull();
      expect(retry.headers.get('x-chaos-outcome')).toBe('success');
      expect((await svc.ledger('ORD-T-TIMEOUT')).authorizations).toEqual([retry.body]);
    });

    it('server_error: a 500 api_error, then the retry succeeds', async () => {
      const res = await authorize('ORD-T-500', 'key-t-500', 'server_error');
      expectError(res, 500, { type: 'api_error', code: 'server_error' });
      expect(svc.storedKey('key-t-500')).toBeUndefined();
      expect((await svc.ledger('ORD-T-500')).authorizations).toEqual([]);
      const retry = await authorize('ORD-T-500', 'key-t-500');
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBeNull();
      expect((await svc.ledger('ORD-T-500')).authorizations).toHaveLength(1);
    });

    it('rate_limited: a 429 rate_limit_error with Retry-After, then the retry succeeds', async () => {
      const res = await authorize('ORD-T-429', 'key-t-429', 'rate_limited');
      expectError(res, 429, { type: 'rate_limit_error', code: 'rate_limited' });
      expect(res.headers.get('retry-after')).toBe('7');
      expect(svc.storedKey('key-t-429')).toBeUndefined();
      expect((await svc.ledger('ORD-T-429')).authorizations).toEqual([]);
      const retry = await authorize('ORD-T-429', 'key-t-429');
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBeNull();
      expect((await svc.ledger('ORD-T-429')).authorizations).toHaveLength(1);
    });

    it('reset: the socket is destroyed (fetch rejects), then the retry succeeds', async () => {
      await expect(authorize('ORD-T-RESET', 'key-t-reset', 'reset')).rejects.toThrow('fetch failed');
      expect(svc.storedKey('key-t-reset')).toBeUndefined();
      expect((await svc.ledger('ORD-T-RESET')).authorizations).toEqual([]);
      const retry = await authorize('ORD-T-RESET', 'key-t-reset');
      expect(retry.status).toBe(201);
      expect(retry.headers.get('idempotent-replayed')).toBeNull();
      expect((await svc.ledger('ORD-T-RESET')).authorizations).toHaveLength(1);
    });
  });

  it('stores a business decline and replays it', async () => {
    const declined = await authorize('ORD-DECLINE', 'key-decline', 'insufficient_funds');
    expectError(declined, 402, { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds' });
    expect(svc.storedKey('key-decline')).toEqual({ status: 402 });

    // Forcing success on the retry changes nothing: the decline is the definitive answer.
    const retry = await authorize('ORD-DECLINE', 'key-decline', 'success');
    expect(retry.status).toBe(402);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(declined.body);
    expect((await svc.ledger('ORD-DECLINE')).authorizations).toEqual([]);
  });

  it('stores nothing for an invalid body: the same key with a valid body then succeeds', async () => {
    const invalid = await svc.post(
      '/payment/authorize',
      { orderId: 'ORD-IDEM-INVALID', customerId: 'CUST-9', amount: -5 },
      { 'Idempotency-Key': 'key-invalid', ...forceSuccess },
    );
    expectError(invalid, 400, { type: 'invalid_request_error', param: 'amount' });
    expect(svc.storedKey('key-invalid')).toBeUndefined();
    const valid = await authorize('ORD-IDEM-INVALID', 'key-invalid');
    expect(valid.status).toBe(201);
    expect(valid.headers.get('idempotent-replayed')).toBeNull();
    expect((await svc.ledger('ORD-IDEM-INVALID')).authorizations).toEqual([valid.body]);
  });

  it('refuses an Idempotency-Key longer than 255 characters, naming the header', async () => {
    const res = await authorize('ORD-IDEM-LONG', 'k'.repeat(256));
    expectError(res, 400, { type: 'invalid_request_error', param: 'Idempotency-Key' });
    expect((await svc.ledger('ORD-IDEM-LONG')).authorizations).toEqual([]);
  });
});

describe('commit_then_timeout on POST /payment/capture', () => {
  it('applies the capture once, answers 504 after timeoutMs, and the retry replays the success', async () => {
    const hold = await svc.authorize('ORD-CTT-1', 4100);
    const headers = { 'Idempotency-Key': 'key-ctt-1' };
    const started = performance.now();
    const lost = await svc.post(
      '/payment/capture',
      { authorizationId: hold.authorizationId },
      { ...headers, 'X-Chaos-Outcome': 'commit_then_timeout' },
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
    expectError(lost, 504, { type: 'api_error', code: 'timeout' });
    expect(svc.storedKey('key-ctt-1')).toEqual({ status: 200 });

    // The effect was committed although the caller never heard of it.
    const ledger = await svc.ledger('ORD-CTT-1');
    expect(ledger.captures).toHaveLength(1);
    expect(ledger.authorizations[0]!.status).toBe('captured');

    const retry = await svc.post(
      '/payment/capture',
      { authorizationId: hold.authorizationId },
      { ...headers, ...forceSuccess },
    );
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(ledger.captures[0]);
    expect((retry.body as Capture).amount).toBe(4100);
    expect((await svc.ledger('ORD-CTT-1')).captures).toHaveLength(1);
  });

  it('without a key, the retry of a lost capture is refused by the ledger', async () => {
    const hold = await svc.authorize('ORD-CTT-2');
    const lost = await svc.post(
      '/payment/capture',
      { authorizationId: hold.authorizationId },
      { 'X-Chaos-Outcome': 'commit_then_timeout' },
    );
    expect(lost.status).toBe(504);
    const retry = await svc.post('/payment/capture', { authorizationId: hold.authorizationId }, forceSuccess);
    expectError(retry, 409, { type: 'invalid_request_error', code: 'charge_already_captured' });
    expect((await svc.ledger('ORD-CTT-2')).captures).toHaveLength(1);
  });

  it('answers a business error that committed nothing at once, and the key is not left in flight', async () => {
    const headers = { 'Idempotency-Key': 'key-ctt-missing' };
    const first = await svc.post(
      '/payment/capture',
      { authorizationId: 'auth_missing' },
      { ...headers, 'X-Chaos-Outcome': 'commit_then_timeout' },
    );
    expectError(first, 404, { type: 'invalid_request_error', code: 'resource_missing', param: 'authorizationId' });
    const retry = await svc.post(
      '/payment/capture',
      { authorizationId: 'auth_missing' },
      { ...headers, ...forceSuccess },
    );
    expect(retry.status).toBe(404);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
  });
});

describe('Idempotency-Key expiry', () => {
  let short: Payment;
  const TTL_MS = 500;
  beforeAll(async () => {
    short = await startPayment({ env: { IDEMPOTENCY_TTL_MS: String(TTL_MS) } });
  });
  afterAll(() => short.close());

  it('forgets a key after IDEMPOTENCY_TTL_MS, so the same key runs again', async () => {
    const send = () =>
      short.post('/payment/authorize', body('ORD-TTL'), { 'Idempotency-Key': 'key-ttl', ...forceSuccess });
    const first = await send();
    expect(first.status).toBe(201);
    const within = await send();
    expect(within.headers.get('idempotent-replayed')).toBe('true');
    expect(within.body).toEqual(first.body);

    await sleep(TTL_MS + 50);
    const after = await send();
    expect(after.status).toBe(201);
    expect(after.headers.get('idempotent-replayed')).toBeNull();
    expect(after.body.authorizationId).not.toBe(first.body.authorizationId);
    expect((await short.ledger('ORD-TTL')).authorizations).toHaveLength(2);
  });
});
