/**
 * The chaos model over HTTP: seeded determinism end to end, attempts, timeouts that
 * look like timeouts, live tuning through the watched file and PUT /payment/chaos, forcing, stats.
 */
import { draw } from '@fake-stripe/kernel';
import type { OperationChaos } from '@fake-stripe/kernel';
import { spawnService, tempDir } from '@fake-stripe/kernel/testing';
import type { Spawned } from '@fake-stripe/kernel/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN, eventually, expectError, forceSuccess, startPayment } from './support.ts';
import type { Payment } from './support.ts';

const statusOf: Record<string, number> = { success: 201, insufficient_funds: 402, timeout: 504, server_error: 500 };

async function distribution(svc: Payment) {
  const res = await svc.get('/payment/chaos/distribution');
  expect(res.status).toBe(200);
  return res.body as {
    profile: string;
    seeded: boolean;
    timeoutMs: number;
    operations: Record<string, OperationChaos>;
    source: { source: string; version?: string; since: string; lastError?: { source: string; message: string } };
  };
}

describe('GET /payment/chaos/distribution', () => {
  it('shows the default profile in percent', async () => {
    const svc = await startPayment();
    try {
      const dist = await distribution(svc);
      expect(dist).toMatchObject({ profile: 'default', seeded: false, timeoutMs: 50 });
      const weights = Object.fromEntries(Object.entries(dist.operations).map(([op, o]) => [op, o.weights]));
      expect(weights).toEqual({
        authorize: { success: 40, insufficient_funds: 30, timeout: 20, server_error: 10 },
        capture: { success: 70, already_captured: 20, timeout: 10 },
        release: { success: 90, timeout: 10 },
        refund: { success: 80, already_refunded: 10, timeout: 10 },
        customer: { success: 95, rate_limited: 5 },
        webhook: { success: 70, duplicate: 10, out_of_order: 10, latency: 5, drop_first: 5 },
      });
    } finally {
      await svc.close();
    }
  });
});

describe('seeded chaos', () => {
  const seeded = { profile: 'default', seed: 'e2e-seed', timeoutMs: 0 };

  async function outcomes(svc: Payment, keys: string[]): Promise<Array<[string, number]>> {
    const seen: Array<[string, number]> = [];
    for (const key of keys) {
      const res = await svc.post(
        '/payment/authorize',
        { orderId: `ORD-${key}`, customerId: 'C', amount: 100 },
        { 'Idempotency-Key': key },
      );
      seen.push([res.headers.get('x-chaos-outcome') ?? 'none', res.status]);
    }
    return seen;
  }

  it('serves the same outcome sequence for the same keys in two fresh services, as the pure draw predicts', async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `k${i}`);
    const a = await startPayment({ chaos: seeded });
    const b = await startPayment({ chaos: seeded });
    try {
      const op = (await distribution(a)).operations.authorize!;
      const first = await outcomes(a, keys);
      const second = await outcomes(b, keys);
      expect(second).toEqual(first);
      const predicted = keys.map((k) => draw(op, 'e2e-seed', 'authorize', k, 1).outcome);
      expect(first).toEqual(predicted.map((o) => [o, statusOf[o]]));
      expect(new Set(predicted).size).toBeGreaterThanOrEqual(3); // a real mix, not one outcome
      // Holds exist exactly for the keys that drew success.
      const successes = predicted.filter((o) => o === 'success').length;
      expect(a.rows().holds).toBe(successes);
      expect(b.rows().holds).toBe(successes);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('draws a new outcome for a retry with the same key (the attempt counter)', async () => {
    const svc = await startPayment({ chaos: seeded });
    try {
      const op = (await distribution(svc)).operations.authorize!;
      // A key whose first attempt fails transiently and whose second attempt succeeds.
      const key = Array.from({ length: 500 }, (_, i) => `retry-${i}`).find(
        (k) =>
          draw(op, 'e2e-seed', 'authorize', k, 1).outcome === 'server_error' &&
          draw(op, 'e2e-seed', 'authorize', k, 2).outcome === 'success',
      )!;
      expect(key).toBeDefined();
      const send = () =>
        svc.post(
          '/payment/authorize',
          { orderId: 'ORD-RETRY', customerId: 'C', amount: 100 },
          { 'Idempotency-Key': key },
        );
      const first = await send();
      expect(first.status).toBe(500);
      expect(first.headers.get('x-chaos-outcome')).toBe('server_error');
      const second = await send();
      expect(second.status).toBe(201);
      expect(second.headers.get('x-chaos-outcome')).toBe('success');
      expect(second.headers.get('idempotent-replayed')).toBeNull();
      expect((await svc.ledger('ORD-RETRY')).authorizations).toHaveLength(1);
    } finally {
      await svc.close();
    }
  });
});

describe('chaos timeout', () => {
  it('gives a caller with a shorter client timeout no answer at all', async () => {
    const svc = await startPayment({ chaos: { profile: 'default', timeoutMs: 1500 } });
    try {
      const started = performance.now();
      await expect(
        svc.post(
          '/payment/authorize',
          { orderId: 'ORD-TO', customerId: 'C', amount: 100 },
          { 'X-Chaos-Outcome': 'timeout' },
          AbortSignal.timeout(300),
        ),
      ).rejects.toMatchObject({ name: 'TimeoutError' });
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(290);
      expect(waited).toBeLessThan(1500);
      expect((await svc.ledger('ORD-TO')).authorizations).toEqual([]);
    } finally {
      await svc.close();
    }
  });
});

describe('live chaos tuning', () => {
  it('applies a changed chaos file without a restart', async () => {
    const svc = await startPayment();
    try {
      expect((await distribution(svc)).profile).toBe('default');
      svc.writeChaos({ profile: 'off', timeoutMs: 10 });
      const dist = await eventually(async () => {
        const d = await distribution(svc);
        return d.profile === 'off' && d;
      }, 'profile "off" from the chaos file');
      expect(dist.timeoutMs).toBe(10);
      expect(dist.operations.authorize!.weights).toEqual({ success: 100 });
      // And it is in force: unforced requests all succeed now.
      for (let i = 0; i < 10; i++) {
        const res = await svc.post('/payment/authorize', { orderId: 'ORD-OFF', customerId: 'C', amount: 100 });
        expect(res.status).toBe(201);
      }
    } finally {
      await svc.close();
    }
  });

  describe('a broken chaos file (real process, watching its log)', () => {
    let tmp: ReturnType<typeof tempDir>;
    let proc: Spawned;
    let chaosFile: string;
    beforeAll(async () => {
      tmp = tempDir('fake-stripe-chaosfile-');
      mkdirSync(join(tmp.dir, 'chaos'));
      chaosFile = join(tmp.dir, 'chaos', 'chaos.json');
      writeFileSync(chaosFile, JSON.stringify({ profile: 'off', timeoutMs: 20 }));
      proc = await spawnService('payment', { DATA_DIR: join(tmp.dir, 'data'), CHAOS_FILE: chaosFile });
    });
    afterAll(async () => {
      await proc?.kill();
      tmp.remove();
    });

    const dist = async () =>
      (await fetch(`${proc.url}/payment/chaos/distribution`).then((r) => r.json())) as {
        profile: string;
        timeoutMs: number;
      };
    const logged = (pattern: RegExp) =>
      eventually(() => proc.lines.find((l) => pattern.test(l)), `a log line matching ${pattern}`);

    it('refuses invalid JSON, an unknown operation and an unknown outcome, keeping the last good config', async () => {
      expect(await dist()).toMatchObject({ profile: 'off', timeoutMs: 20 });

      writeFileSync(chaosFile, '{ "profile": "default", ');
      const json = JSON.parse(await logged(/not valid JSON/)) as { level: string; file: string };
      expect(json.level).toBe('error');
      expect(await dist()).toMatchObject({ profile: 'off', timeoutMs: 20 });

      writeFileSync(
        chaosFile,
        JSON.stringify({ profile: 'default', overrides: { teleport: { weights: { success: 1 } } } }),
      );
      expect(await logged(/unknown operation \\"teleport\\"/)).toContain('keeping the last good config');
      expect(await dist()).toMatchObject({ profile: 'off', timeoutMs: 20 });

      writeFileSync(
        chaosFile,
        JSON.stringify({ profile: 'default', overrides: { capture: { weights: { vanish: 1 } } } }),
      );
      expect(await logged(/unknown outcome \\"vanish\\"/)).toContain('keeping the last good config');
      expect(await dist()).toMatchObject({ profile: 'off', timeoutMs: 20 });

      // The watcher is still alive: a good file is taken.
      writeFileSync(chaosFile, JSON.stringify({ profile: 'default', timeoutMs: 30 }));
      await eventually(async () => (await dist()).profile === 'default', 'the good file to apply');
      expect((await dist()).timeoutMs).toBe(30);
    });
  });

  describe('PUT /payment/chaos', () => {
    let svc: Payment;
    beforeAll(async () => {
      svc = await startPayment();
    });
    afterAll(() => svc.close());
    const put = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${svc.url}/payment/chaos`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      }).then(
        async (r) => ({ status: r.status, headers: r.headers, body: (await r.json()) as any }), // eslint-disable-line @typescript-eslint/no-explicit-any
      );

    it('needs the admin bearer token', async () => {
      const before = await distribution(svc);
      const none = await put({ profile: 'off' });
      expectError(none, 401, { type: 'invalid_request_error', code: 'unauthorized' });
      expect(none.headers.get('www-authenticate')).toBe('Bearer');
      expectError(await put({ profile: 'off' }, { authorization: 'Bearer wrong-token' }), 401, {
        code: 'unauthorized',
        type: 'invalid_request_error',
      });
      expectError(await put({ profile: 'off' }, { authorization: 'test-admin-token' }), 401, {
        code: 'unauthorized',
        type: 'invalid_request_error',
      });
      expect(await distribution(svc)).toEqual(before);
    });

    it('refuses a bad config with a 400 and keeps the current one', async () => {
      const before = await distribution(svc);
      const unknownOutcome = await put({ overrides: { release: { weights: { vanish: 1 } } } }, ADMIN);
      expectError(unknownOutcome, 400, { type: 'invalid_request_error', code: 'chaos_config_invalid' });
      expect(unknownOutcome.body.error.message).toContain('vanish');
      const badShape = await put({ profile: 'off', timeoutMs: -5 }, ADMIN);
      expectError(badShape, 400, { type: 'invalid_request_error', param: 'timeoutMs' });
      const unknownField = await put({ profile: 'off', chaosMonkey: true }, ADMIN);
      expectError(unknownField, 400, { type: 'invalid_request_error' });
      // The mix and the source in force stay; the refusal is shown as the last error.
      const after = await distribution(svc);
      expect({ ...after, source: { ...after.source, lastError: undefined } }).toEqual(before);
      expect(after.source.lastError).toMatchObject({ source: 'api', message: expect.stringContaining('vanish') });
      // Counted per source (the two bodies the route's schema refused never reached the engine); the
      // sources that refused nothing show 0, not nothing.
      const metrics = await (await fetch(`${svc.url}/metrics`)).text();
      expect(metrics).toMatch(/^fake_stripe_chaos_config_rejected_total\{source="api",service="payment"\} 1$/m);
      expect(metrics).toMatch(/^fake_stripe_chaos_config_rejected_total\{source="file",service="payment"\} 0$/m);
    });

    it('applies a good config at once', async () => {
      const res = await put(
        { profile: 'default', timeoutMs: 25, overrides: { authorize: { weights: { rate_limited: 1 } } } },
        ADMIN,
      );
      expect(res.status).toBe(200);
      expect(res.body.operations.authorize.weights).toEqual({ rate_limited: 100 });
      expect(await distribution(svc)).toEqual(res.body);
      // The configured mix is exported as it now is: authorize only rate_limited, capture as before.
      const metrics = await (await fetch(`${svc.url}/metrics`)).text();
      const weights = [
        ...metrics.matchAll(
          /^fake_stripe_chaos_weight_ratio\{operation="(\w+)",outcome="(\w+)",service="payment"\} (\S+)$/gm,
        ),
      ];
      const of = (op: string) =>
        Object.fromEntries(weights.filter((m) => m[1] === op).map((m) => [m[2], Number(m[3])]));
      expect(of('authorize')).toEqual({ rate_limited: 1 });
      expect(of('capture')).toEqual({ success: 0.7, already_captured: 0.2, timeout: 0.1 });
      const limited = await svc.post('/payment/authorize', { orderId: 'ORD-PUT', customerId: 'C', amount: 100 });
      expectError(limited, 429, { type: 'rate_limit_error', code: 'rate_limited' });
      expect(limited.headers.get('retry-after')).toBe('1');
    });
  });
});

describe('X-Chaos-Outcome', () => {
  let svc: Payment;
  beforeAll(async () => {
    svc = await startPayment();
  });
  afterAll(() => svc.close());

  it('refuses an unknown outcome with a 400 naming X-Chaos-Outcome, changing nothing', async () => {
    const before = svc.rows();
    const res = await svc.post(
      '/payment/authorize',
      { orderId: 'ORD-X', customerId: 'C', amount: 100 },
      { 'X-Chaos-Outcome': 'explode', 'Idempotency-Key': 'key-x' },
    );
    expectError(res, 400, { type: 'invalid_request_error', param: 'X-Chaos-Outcome' });
    expect(svc.rows()).toEqual(before);
    expect((await svc.get('/payment/stats')).body).toEqual({ outcomes: {} });
  });

  it("refuses another operation's business outcome", async () => {
    const hold = await svc.authorize('ORD-X2');
    const res = await svc.post(
      '/payment/capture',
      { authorizationId: hold.authorizationId },
      { 'X-Chaos-Outcome': 'insufficient_funds' },
    );
    expectError(res, 400, { type: 'invalid_request_error', param: 'X-Chaos-Outcome' });
    expect((await svc.ledger('ORD-X2')).captures).toEqual([]);
  });

  it('is refused with chaos_forcing_disabled when ALLOW_CHAOS_FORCING=false', async () => {
    const locked = await startPayment({ env: { ALLOW_CHAOS_FORCING: 'false' }, chaos: { profile: 'off' } });
    try {
      const res = await locked.post(
        '/payment/authorize',
        { orderId: 'ORD-LOCK', customerId: 'C', amount: 100 },
        forceSuccess,
      );
      expectError(res, 400, {
        type: 'invalid_request_error',
        code: 'chaos_forcing_disabled',
        param: 'X-Chaos-Outcome',
      });
      expect((await locked.ledger('ORD-LOCK')).authorizations).toEqual([]);
      // Without the header the request runs (profile off).
      expect(
        (await locked.post('/payment/authorize', { orderId: 'ORD-LOCK', customerId: 'C', amount: 100 })).status,
      ).toBe(201);
    } finally {
      await locked.close();
    }
  });
});

describe('GET /payment/stats', () => {
  it('counts the outcomes served per operation; replays draw nothing and are not counted', async () => {
    const svc = await startPayment();
    try {
      expect((await svc.get('/payment/stats')).body).toEqual({ outcomes: {} });
      const auth = (outcome: string, key?: string) =>
        svc.post(
          '/payment/authorize',
          { orderId: 'ORD-STATS', customerId: 'C', amount: 100 },
          { 'X-Chaos-Outcome': outcome, ...(key && { 'Idempotency-Key': key }) },
        );
      const hold = (await auth('success', 'stats-1')).body as { authorizationId: string };
      await auth('success', 'stats-1'); // replay
      await auth('success');
      await auth('insufficient_funds');
      await auth('server_error');
      await svc.post('/payment/capture', { authorizationId: hold.authorizationId }, forceSuccess);
      const stats = await svc.get('/payment/stats');
      expect(stats.status).toBe(200);
      expect(stats.body).toEqual({
        outcomes: { authorize: { success: 2, insufficient_funds: 1, server_error: 1 }, capture: { success: 1 } },
      });
    } finally {
      await svc.close();
    }
  });
});
