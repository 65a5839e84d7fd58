/**
 * The three stand-ins over real HTTP: shapes of the real APIs, the same data for the same input,
 * 400s in the one error shape, the kernel's chaos on GET routes, and the recorded requests.
 */
import { eventually, getJson } from '@fake-stripe/kernel/testing';
import { expectError, startPublicApis } from './support.ts';
import type { StandIn } from './support.ts';

let api: StandIn;
/** The stand-in's clock (its weather is a function of the hour); a test moves it. */
let now = new Date('2026-06-01T12:00:00Z');
beforeAll(async () => {
  api = await startPublicApis({ chaos: { profile: 'off', timeoutMs: 300 }, now: () => now });
});
afterAll(() => api.close());

const get = (path: string, headers: Record<string, string> = {}) => getJson(`${api.url}${path}`, headers);

describe('GET /ipapi/json/:ip', () => {
  it('answers the ip-api shape, the same for the same IP', async () => {
    const first = await get('/ipapi/json/8.8.8.8');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      status: 'success',
      query: '8.8.8.8',
      country: expect.any(String),
      countryCode: expect.stringMatching(/^[A-Z]{2}$/),
      region: expect.any(String),
      regionName: expect.any(String),
      city: expect.any(String),
      zip: expect.any(String),
      lat: expect.any(Number),
      lon: expect.any(Number),
      timezone: expect.stringMatching(/^[A-Za-z]+\/[A-Za-z_/]+$/),
      isp: expect.any(String),
      org: expect.any(String),
      as: expect.any(String),
    });
    expect((await get('/ipapi/json/8.8.8.8')).body).toEqual(first.body);
  });

  it('locates an IPv6 address', async () => {
    const res = await get('/ipapi/json/2606:4700:4700::1111');
    expect(res.body).toMatchObject({ status: 'success', query: '2606:4700:4700::1111' });
  });

  it.each(['10.0.0.1', '127.0.0.1', '192.168.0.10', '172.20.1.1'])('answers 200 fail for private %s', async (ip) => {
    const res = await get(`/ipapi/json/${ip}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'fail', message: 'private range', query: ip });
  });

  it.each(['999.1.1.1', 'example.com', '1.2.3', '1.2.3.4.5', 'gggg::1'])('refuses %s with a 400', async (ip) => {
    expectError(await get(`/ipapi/json/${ip}`), 400, {
      type: 'invalid_request_error',
      code: 'parameter_invalid',
      param: 'ip',
    });
  });
});

describe('GET /open-meteo/v1/forecast', () => {
  const path = '/open-meteo/v1/forecast?latitude=52.52&longitude=13.41&current_weather=true';

  const nearby = '/open-meteo/v1/forecast?latitude=52.5201&longitude=13.4099&current_weather=true';

  it('answers the Open-Meteo shape, the same for the same place and hour', async () => {
    now = new Date('2026-06-01T12:00:00Z');
    const first = await get(path);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      latitude: 52.52,
      longitude: 13.41,
      timezone: 'GMT',
      current_weather: {
        time: '2026-06-01T12:00',
        temperature: expect.any(Number),
        windspeed: expect.any(Number),
        winddirection: expect.any(Number),
        weathercode: expect.any(Number),
        is_day: 1,
      },
    });
    // The same place once rounded to two decimals, later in the same hour: the same answer.
    now = new Date('2026-06-01T12:59:59.999Z');
    expect((await get(nearby)).body).toEqual(first.body);
  });

  it('answers the next hour with that hour’s weather', async () => {
    now = new Date('2026-06-01T12:30:00Z');
    const noon = (await get(path)).body.current_weather;
    now = new Date('2026-06-01T13:00:00Z');
    const one = (await get(path)).body.current_weather;
    expect(one.time).toBe('2026-06-01T13:00');
    expect(one).not.toEqual({ ...noon, time: one.time });
  });

  it.each([
    ['latitude', 'latitude=90.5&longitude=0'],
    ['latitude', 'latitude=-91&longitude=0'],
    ['longitude', 'latitude=0&longitude=180.01'],
    ['latitude', 'latitude=abc&longitude=0'],
    ['latitude', 'latitude=&longitude=0'],
    ['longitude', 'latitude=0'],
    ['current_weather', 'latitude=0&longitude=0&current_weather=yes'],
  ])('refuses a bad %s (%s) with a 400', async (param, query) => {
    expectError(await get(`/open-meteo/v1/forecast?${query}`), 400, { type: 'invalid_request_error', param });
  });
});

describe('GET /catfact/fact', () => {
  it('answers {fact, length}, the same for the same seed', async () => {
    const first = await get('/catfact/fact?seed=whiskers');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ fact: expect.any(String), length: first.body.fact.length });
    expect((await get('/catfact/fact?seed=whiskers')).body).toEqual(first.body);
  });

  it('goes through different facts without a seed', async () => {
    const facts = new Set<string>();
    for (let i = 0; i < 3; i++) facts.add((await get('/catfact/fact')).body.fact);
    expect(facts.size).toBe(3);
  });
});

describe('chaos on the stand-ins', () => {
  it('serves the default mix of each API', async () => {
    const fresh = await startPublicApis({ chaos: {} });
    try {
      const res = await getJson(`${fresh.url}/public-apis/chaos/distribution`);
      for (const op of ['location', 'weather', 'catFact'])
        expect(res.body.operations[op]).toEqual({
          weights: { success: 85, timeout: 5, server_error: 5, rate_limited: 5 },
          latency: { baseMs: 50, jitterMs: 150, extraMs: expect.any(Number) },
        });
    } finally {
      await fresh.close();
    }
  });

  it('answers a forced server error, rate limit and timeout in the one error shape', async () => {
    expectError(await get('/ipapi/json/8.8.8.8', { 'X-Chaos-Outcome': 'server_error' }), 500, {
      type: 'api_error',
      code: 'server_error',
    });
    const limited = await get('/catfact/fact', { 'X-Chaos-Outcome': 'rate_limited' });
    expectError(limited, 429, { type: 'rate_limit_error', code: 'rate_limited' });
    expect(limited.headers.get('retry-after')).toBe('1');
    const started = performance.now();
    const timedOut = await get('/open-meteo/v1/forecast?latitude=1&longitude=1', { 'X-Chaos-Outcome': 'timeout' });
    expectError(timedOut, 504, { type: 'api_error', code: 'timeout' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('refuses an unknown forced outcome', async () => {
    expectError(await get('/catfact/fact', { 'X-Chaos-Outcome': 'insufficient_funds' }), 400, {
      type: 'invalid_request_error',
      param: 'X-Chaos-Outcome',
    });
  });

  it('honours an Idempotency-Key on a GET: the same query replays, another query is refused', async () => {
    const key = { 'Idempotency-Key': `key-${Date.now()}` };
    const first = await get('/catfact/fact?seed=a', key);
    const replay = await get('/catfact/fact?seed=a', key);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expectError(await get('/catfact/fact?seed=b', key), 400, {
      type: 'idempotency_error',
      code: 'idempotency_key_in_use',
    });
  });
});

describe('GET /public-apis/requests', () => {
  it('records each request of a correlation id with its api, path, times and status', async () => {
    const id = { 'X-Correlation-Id': `rec-${Date.now()}` };
    await get('/ipapi/json/8.8.4.4', id);
    await get('/catfact/fact', { ...id, 'X-Chaos-Outcome': 'server_error' });
    await get('/open-meteo/v1/forecast?latitude=1', id);
    const res = await get(`/public-apis/requests?correlationId=${id['X-Correlation-Id']}`);
    expect(res.status).toBe(200);
    expect(res.body.requests).toEqual([
      expect.objectContaining({ api: 'location', path: '/ipapi/json/8.8.4.4', status: 200, outcome: 'success' }),
      expect.objectContaining({ api: 'catFact', path: '/catfact/fact', status: 500, outcome: 'server_error' }),
      expect.objectContaining({ api: 'weather', path: '/open-meteo/v1/forecast', status: 400 }),
    ]);
    for (const r of res.body.requests) {
      expect(r.correlationId).toBe(id['X-Correlation-Id']);
      expect(r.endedAt).toBeGreaterThanOrEqual(r.startedAt);
    }
    const [a, b] = res.body.requests;
    expect(b.startedAt).toBeGreaterThanOrEqual(a.endedAt);
    expect(Number.isInteger(a.startedAt) && Number.isInteger(b.startedAt)).toBe(false);
  });

  it('ends a record when the caller hangs up, with no status', async () => {
    const id = `hangup-${Date.now()}`;
    await expect(
      fetch(`${api.url}/catfact/fact`, {
        headers: { 'X-Correlation-Id': id, 'X-Chaos-Outcome': 'timeout' },
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toThrow();
    type Recorded = { startedAt: number; endedAt: number | null; status: number | null; outcome?: string };
    const record = await eventually(
      async (): Promise<Recorded | undefined> =>
        (await get(`/public-apis/requests?correlationId=${id}`)).body.requests[0],
      `the record of ${id} to end`,
      { until: (r) => Boolean(r?.endedAt), timeoutMs: 1_000, intervalMs: 10 },
    );
    expect(record).toMatchObject({ status: null, outcome: 'timeout' });
    // Ended by the hang-up (~50 ms), not by the stand-in's 300 ms timeout.
    expect(record!.endedAt! - record!.startedAt).toBeLessThan(250);
  });

  it('refuses a bad limit or api', async () => {
    expectError(await get('/public-apis/requests?limit=0'), 400, { type: 'invalid_request_error', param: 'limit' });
    expectError(await get('/public-apis/requests?api=maps'), 400, { type: 'invalid_request_error', param: 'api' });
  });
});

describe('standard endpoints', () => {
  it('documents the three APIs in OpenAPI 3.1', async () => {
    const res = await get('/openapi.json');
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/ipapi/json/{ip}',
        '/open-meteo/v1/forecast',
        '/catfact/fact',
        '/public-apis/requests',
        '/public-apis/chaos/distribution',
      ]),
    );
    expect((await get('/ready')).status).toBe(200);
  });
});
