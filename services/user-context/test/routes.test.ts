/**
 * GET /api/v1/user-context over real HTTP against the real public-apis stand-in: full results with
 * chaos off, exactly the forced failures as null fields (never a 5xx), concurrency proven by the
 * stand-in's recorded start and end times, and bad input as 400s in the one error shape.
 */
import getPort from 'get-port';
import { userContextStrategies as strategies } from '@fake-stripe/kernel';
import type { UserContextSource as SourceName, UserContextStrategy as Strategy } from '@fake-stripe/kernel';
import { getJson } from '@fake-stripe/kernel/testing';
import { expectError, startStack } from './support.ts';
import type { Recorded, Stack } from './support.ts';

const IP = '8.8.8.8';
const names: SourceName[] = ['location', 'weather', 'catFact'];
const forcingHeader: Record<SourceName, string> = {
  location: 'X-Chaos-Outcome-Location',
  weather: 'X-Chaos-Outcome-Weather',
  catFact: 'X-Chaos-Outcome-CatFact',
};
let seq = 0;
const correlation = (what: string): string => `uc-${what}-${Date.now()}-${seq++}`;

describe('with chaos off', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it.each(strategies)('%s returns location, the weather there and a cat fact', async (strategy) => {
    const id = correlation(strategy);
    const res = await stack.userContext(`strategy=${strategy}&ip=${IP}`, { 'X-Correlation-Id': id });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-correlation-id')).toBe(id);

    const ipApi = (await getJson(`${stack.publicApisUrl}/ipapi/json/${IP}`)).body;
    const { city, regionName, country, countryCode, lat, lon, timezone } = ipApi;
    const meteo = (
      await getJson(
        `${stack.publicApisUrl}/open-meteo/v1/forecast?latitude=${lat}&longitude=${lon}&current_weather=true`,
      )
    ).body.current_weather;
    expect(res.body).toEqual({
      ip: IP,
      strategy,
      location: { city, region: regionName, country, countryCode, lat, lon, timezone },
      weather: {
        temperature: meteo.temperature,
        windspeed: meteo.windspeed,
        weathercode: meteo.weathercode,
        time: meteo.time,
      },
      catFact: expect.stringMatching(/cat|kitten/i),
      sources: {
        location: { ok: true, ms: expect.any(Number) },
        weather: { ok: true, ms: expect.any(Number) },
        catFact: { ok: true, ms: expect.any(Number) },
      },
      totalMs: expect.any(Number),
    });
    // One call per source, all carrying the request's correlation id.
    expect((await stack.recorded(id)).map((r) => r.api).sort()).toEqual(['catFact', 'location', 'weather']);
  });

  it('defaults to parallel', async () => {
    const res = await stack.userContext(`ip=${IP}`);
    expect(res.body.strategy).toBe('parallel');
  });

  it('answers a private IP with location and weather null, saying why', async () => {
    const res = await stack.userContext('ip=192.168.1.1&strategy=sequential');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      location: null,
      weather: null,
      catFact: expect.any(String),
      sources: {
        location: { ok: false, error: 'private range' },
        weather: { ok: false, ms: 0, error: 'location unavailable' },
        catFact: { ok: true },
      },
    });
  });
});

describe('failing sources (forced on the stand-in)', () => {
  let stack: Stack;
  // user-context gives each source 300 ms; the stand-in's `timeout` answers only after 1 s.
  const SOURCE_TIMEOUT_MS = 300;
  beforeAll(async () => {
    const timeout = String(SOURCE_TIMEOUT_MS);
    stack = await startStack({
      chaos: { profile: 'off', timeoutMs: 1_000 },
      env: { LOCATION_TIMEOUT_MS: timeout, WEATHER_TIMEOUT_MS: timeout, CATFACT_TIMEOUT_MS: timeout },
    });
  });
  afterAll(() => stack.close());

  const faults = ['server_error', 'timeout', 'rate_limited', 'reset'] as const;
  const reasons: Record<(typeof faults)[number], string | RegExp> = {
    server_error: 'HTTP 500 server_error',
    timeout: `timeout after ${SOURCE_TIMEOUT_MS} ms`,
    rate_limited: 'HTTP 429 rate_limited',
    reset: /^network error: /,
  };
  /**
   * The 7 non-empty subsets of the three sources under each strategy; the kind of fault rotates with
   * the subset, the source and the strategy, so every source meets every kind somewhere.
   */
  const cases = strategies.flatMap((strategy, k) =>
    [1, 2, 3, 4, 5, 6, 7].map((mask, i): [string, Strategy, Array<[SourceName, (typeof faults)[number]]>] => {
      const failing = names
        .filter((_, bit) => mask & (1 << bit))
        .map((name, j): [SourceName, (typeof faults)[number]] => [name, faults[(i + j + k) % faults.length]!]);
      return [failing.map(([name, fault]) => `${name}:${fault}`).join(' + '), strategy, failing];
    }),
  );

  it.each(cases)('%s under %s: exactly those fields null, a 200', async (_name, strategy, failing) => {
    const id = correlation('fail');
    const headers: Record<string, string> = { 'X-Correlation-Id': id };
    for (const [name, fault] of failing) headers[forcingHeader[name]] = fault;
    const res = await stack.userContext(`strategy=${strategy}&ip=${IP}`, headers);
    expect(res.status).toBe(200);

    const fault = new Map(failing);
    const locationFailed = fault.has('location');
    for (const name of names) {
      const source = res.body.sources[name];
      if (name === 'weather' && locationFailed) {
        expect(res.body.weather).toBeNull();
        expect(source).toEqual({ ok: false, ms: 0, error: 'location unavailable' });
      } else if (fault.has(name)) {
        expect(res.body[name]).toBeNull();
        expect(source).toEqual({ ok: false, ms: expect.any(Number), error: expect.anything() });
        const reason = reasons[fault.get(name)!];
        if (typeof reason === 'string') expect(source.error).toBe(reason);
        else expect(source.error).toMatch(reason);
      } else {
        expect(res.body[name]).not.toBeNull();
        expect(source).toEqual({ ok: true, ms: expect.any(Number) });
      }
    }

    // The stand-in saw each call with its forced outcome, and no weather call without a location.
    const recorded = await stack.recorded(id);
    const expectedApis = locationFailed ? ['catFact', 'location'] : ['catFact', 'location', 'weather'];
    expect(recorded.map((r) => r.api).sort()).toEqual(expectedApis);
    for (const r of recorded) expect(r.outcome).toBe(fault.get(r.api) ?? 'success');
  });
});

describe('concurrency, from the stand-in’s recorded start and end times', () => {
  let stack: Stack;
  beforeAll(async () => {
    const slow = { latency: { baseMs: 100, jitterMs: 0 } };
    stack = await startStack({
      chaos: { profile: 'off', overrides: { location: slow, weather: slow, catFact: slow } },
    });
  });
  afterAll(() => stack.close());

  async function intervals(strategy: Strategy): Promise<Record<SourceName, Recorded>> {
    const id = correlation(`concurrency-${strategy}`);
    const res = await stack.userContext(`strategy=${strategy}&ip=${IP}`, { 'X-Correlation-Id': id });
    expect(res.status).toBe(200);
    expect(Object.values(res.body.sources).every((s) => (s as { ok: boolean }).ok)).toBe(true);
    const recorded = await stack.recorded(id);
    expect(recorded).toHaveLength(3);
    return Object.fromEntries(recorded.map((r) => [r.api, r])) as Record<SourceName, Recorded>;
  }
  const overlap = (a: Recorded, b: Recorded): boolean => a.startedAt < b.endedAt! && b.startedAt < a.endedAt!;

  it.each(strategies.filter((s) => s !== 'sequential'))(
    '%s runs the cat fact while location runs; weather waits for location',
    async (strategy) => {
      const { location, weather, catFact } = await intervals(strategy);
      expect(overlap(location, catFact)).toBe(true);
      expect(weather.startedAt).toBeGreaterThanOrEqual(location.endedAt!);
    },
  );

  it('sequential never overlaps calls: location, then weather, then the cat fact', async () => {
    const { location, weather, catFact } = await intervals('sequential');
    expect(overlap(location, weather) || overlap(location, catFact) || overlap(weather, catFact)).toBe(false);
    expect(weather.startedAt).toBeGreaterThanOrEqual(location.endedAt!);
    expect(catFact.startedAt).toBeGreaterThanOrEqual(weather.endedAt!);
  });
});

describe('upstreams that are down or wrong', () => {
  it('answers 200 with null fields when no upstream answers at all', async () => {
    const closed = await getPort({ host: '127.0.0.1' }); // a port nothing listens on
    const stack = await startStack({
      env: {
        LOCATION_API_URL: `http://127.0.0.1:${closed}/ipapi`,
        CATFACT_API_URL: `http://127.0.0.1:${closed}/catfact`,
      },
    });
    try {
      for (const strategy of strategies) {
        const res = await stack.userContext(`strategy=${strategy}&ip=${IP}`);
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({
          location: null,
          weather: null,
          catFact: null,
          sources: {
            location: { ok: false, error: expect.stringMatching(/^network error: .*ECONNREFUSED/) },
            weather: { ok: false, error: 'location unavailable' },
            catFact: { ok: false, error: expect.stringMatching(/^network error: /) },
          },
        });
      }
    } finally {
      await stack.close();
    }
  });

  it('says which HTTP status a misconfigured base URL answered', async () => {
    const stack = await startStack();
    try {
      const wrong = await startStack({ env: { CATFACT_API_URL: `${stack.publicApisUrl}/no-such-api` } });
      try {
        const res = await wrong.userContext(`ip=${IP}`);
        expect(res.status).toBe(200);
        expect(res.body.catFact).toBeNull();
        expect(res.body.sources.catFact.error).toBe('HTTP 404 route_not_found');
        expect(res.body.location).not.toBeNull();
      } finally {
        await wrong.close();
      }
    } finally {
      await stack.close();
    }
  });
});

describe('bad input', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.close());

  it.each([
    ['an unknown strategy', `strategy=fastest&ip=${IP}`, 'strategy'],
    ['an empty strategy', `strategy=&ip=${IP}`, 'strategy'],
    ['two strategies', `strategy=rxjs&strategy=sequential&ip=${IP}`, 'strategy'],
    ['no ip', 'strategy=rxjs', 'ip'],
    ['an ip out of range', 'ip=256.1.1.1', 'ip'],
    ['a host name for an ip', 'ip=localhost', 'ip'],
    ['a path in the ip', 'ip=8.8.8.8%2F..', 'ip'],
    ['an unknown parameter', `ip=${IP}&debug=1`, 'debug'],
  ])('refuses %s with a 400 naming the parameter, calling no upstream', async (_what, query, param) => {
    const id = correlation('bad');
    const res = await stack.userContext(query, { 'X-Correlation-Id': id });
    expectError(res, 400, { type: 'invalid_request_error', code: 'parameter_invalid', param });
    expect(await stack.recorded(id)).toEqual([]);
  });

  it('refuses an unknown forced outcome', async () => {
    const res = await stack.userContext(`ip=${IP}`, { 'X-Chaos-Outcome-Weather': 'sunny' });
    expectError(res, 400, { type: 'invalid_request_error', param: 'x-chaos-outcome-weather' });
  });

  it('refuses forcing headers when forcing is disabled, and still answers without them', async () => {
    const locked = await startStack({ env: { ALLOW_CHAOS_FORCING: 'false' } });
    try {
      const res = await locked.userContext(`ip=${IP}`, { 'X-Chaos-Outcome-CatFact': 'server_error' });
      expectError(res, 400, {
        type: 'invalid_request_error',
        code: 'chaos_forcing_disabled',
        param: 'X-Chaos-Outcome-CatFact',
      });
      expect((await locked.userContext(`ip=${IP}`)).status).toBe(200);
    } finally {
      await locked.close();
    }
  });

  it('documents the query and the forcing headers in OpenAPI', async () => {
    const doc = (await getJson(`${stack.url}/openapi.json`)).body;
    const params = doc.paths['/api/v1/user-context'].get.parameters.map((p: { name: string; in: string }) => p.name);
    expect(params).toEqual(
      expect.arrayContaining(['strategy', 'ip', 'x-chaos-outcome-location', 'x-chaos-outcome-catfact']),
    );
  });
});
