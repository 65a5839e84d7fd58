/**
 * userContextWorkflow through the API against the real public-apis stand-in: every strategy of the
 * shared vocabulary, the shared result contract (the REST aggregator's, plus the user id), failed
 * sources as null fields, and bad input refused with no workflow started.
 */
import { userContextResultSchema, userContextStrategies } from '@fake-stripe/kernel';
import type { UserContextResult, UserContextStrategy } from '@fake-stripe/kernel';
import { eventually, getJson, postJson, startInProcess } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { createUserContextService, envSchema as userContextEnv } from '@fake-stripe/user-context';
import { recordHistory, startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

let p: Platform;
let api: Running;
/** The REST aggregator on the same stand-in, to compare answers. */
let rest: Running;

beforeAll(async () => {
  p = await startPlatform({ publicApis: true });
  await p.startWorker();
  api = await p.startApi();
  rest = await startInProcess(
    createUserContextService,
    {
      LOCATION_API_URL: `${p.urls.publicApis}/ipapi`,
      WEATHER_API_URL: `${p.urls.publicApis}/open-meteo`,
      CATFACT_API_URL: `${p.urls.publicApis}/catfact`,
    },
    userContextEnv,
  );
}, 120_000);
afterAll(async () => {
  await rest?.close();
  await p?.stop();
}, 60_000);

/** Replaces the stand-in's chaos (admin), e.g. to make one upstream fail every call. */
async function publicApisChaos(config: object): Promise<void> {
  const res = await fetch(`${p.urls.publicApis}/public-apis/chaos`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-admin-token' },
    body: JSON.stringify(config),
  });
  expect(res.status).toBe(200);
}

/** userContextWorkflow runs started in this file; the dev server is this file's own, so these are all. */
let started = 0;

async function runUserContext(userId: string, body: Record<string, unknown> = {}): Promise<UserContextResult> {
  const res = await postJson(`${api.url}/api/v1/workflows/user-context`, { userId, ...body });
  expect(res.status).toBe(201);
  started += 1;
  expect(res.body.workflowId).toBe(`user-context-${userId}`);
  const done = await getJson(`${api.url}/api/v1/workflows/${res.body.workflowId}/result?wait=30`);
  expect(done.body.status).toBe('completed');
  // Exactly the shared contract's fields: nothing missing, nothing more.
  return userContextResultSchema.strict().parse(done.body.result);
}

/** How many userContextWorkflow runs the server lists, once it lists at least the ones started here. */
const listedRuns = (): Promise<number> =>
  eventually(
    async () => (await p.env.client.workflow.count('WorkflowType = "userContextWorkflow"')).count,
    `the server to list the ${started} userContextWorkflow runs started here`,
    { until: (count) => count >= started, timeoutMs: 5_000, intervalMs: 50 },
  );

/** Saves a finished run's history as a replay fixture (with RECORD_HISTORIES=1). */
const record = (userId: string, name: string): Promise<void> => recordHistory(p, `user-context-${userId}`, name);

describe('userContextWorkflow through the API', () => {
  afterEach(() => publicApisChaos({ profile: 'off' }));

  it.each(userContextStrategies)('returns location, weather and a cat fact (%s)', async (strategy) => {
    const result = await runUserContext(`user-${strategy}`, { strategy });
    expect(result).toEqual({
      userId: `user-${strategy}`,
      ip: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/),
      strategy,
      location: expect.objectContaining({ city: expect.any(String), lat: expect.any(Number), lon: expect.any(Number) }),
      weather: expect.objectContaining({ temperature: expect.any(Number) }),
      catFact: expect.any(String),
      sources: {
        location: { ok: true, ms: expect.any(Number) },
        weather: { ok: true, ms: expect.any(Number) },
        catFact: { ok: true, ms: expect.any(Number) },
      },
      totalMs: expect.any(Number),
    });
    // Workflow time: weather waited for location, so the whole took at least both.
    expect(result.totalMs).toBeGreaterThanOrEqual(result.sources.location.ms + result.sources.weather.ms);
    const progress = await getJson(`${api.url}/api/v1/workflows/user-context-user-${strategy}/progress`);
    expect(progress.body.progress).toBe(100);
    if (strategy === 'parallel' || strategy === 'sequential')
      await record(`user-${strategy}`, `user-context-${strategy}`);
  });

  it('defaults to parallel, as the REST aggregator does', async () => {
    expect((await runUserContext('user-default')).strategy).toBe('parallel');
    expect((await getJson(`${rest.url}/api/v1/user-context?ip=8.8.8.8`)).body.strategy).toBe('parallel');
  });

  it.each(userContextStrategies)(
    'answers what the REST aggregator answers for the same IP under %s',
    async (strategy: UserContextStrategy) => {
      const ip = '8.8.8.8';
      const viaWorkflow = await runUserContext(`user-same-${strategy}`, { strategy, ip });
      const viaRest = await getJson(`${rest.url}/api/v1/user-context?strategy=${strategy}&ip=${ip}`);
      expect(viaRest.status).toBe(200);
      const { userId, ...context } = viaWorkflow;
      expect(userId).toBe(`user-same-${strategy}`);
      // The same fields and strategy; the same place (the data is a function of the IP).
      expect(Object.keys(viaRest.body).sort()).toEqual(Object.keys(context).sort());
      expect(viaRest.body).toMatchObject({ ip, strategy, location: context.location });
    },
  );

  it('gives null for a failed source and says why; weather is null when location failed', async () => {
    await publicApisChaos({ profile: 'off', overrides: { location: { weights: { server_error: 1 } } } });
    const result = await runUserContext('user-no-location', { strategy: 'parallel' });
    expect(result.location).toBeNull();
    expect(result.weather).toBeNull();
    expect(typeof result.catFact).toBe('string');
    expect(result.sources).toEqual({
      location: { ok: false, ms: expect.any(Number), error: 'HTTP 500 server_error' },
      weather: { ok: false, ms: 0, error: 'location unavailable' },
      catFact: { ok: true, ms: expect.any(Number) },
    });
    await record('user-no-location', 'user-context-location-fails');
  });

  it('gives null for only the cat fact when that source fails', async () => {
    await publicApisChaos({ profile: 'off', overrides: { catFact: { weights: { rate_limited: 1 } } } });
    const result = await runUserContext('user-no-fact', { strategy: 'sequential' });
    expect(result.location).not.toBeNull();
    expect(result.weather).not.toBeNull();
    expect(result.catFact).toBeNull();
    expect(result.sources.catFact).toEqual({ ok: false, ms: expect.any(Number), error: 'HTTP 429 rate_limited' });
  });

  it('does not retry a private address: ip-api’s "fail" is its answer', async () => {
    const result = await runUserContext('user-private', { ip: '10.1.2.3' });
    expect(result.location).toBeNull();
    expect(result.sources.location).toEqual({ ok: false, ms: expect.any(Number), error: 'private range' });
    const history = await p.env.client.workflow.getHandle('user-context-user-private').fetchHistory();
    const scheduled = history.events?.filter((e) => e.activityTaskScheduledEventAttributes) ?? [];
    const attempts = history.events?.flatMap((e) => e.activityTaskStartedEventAttributes?.attempt ?? []) ?? [];
    expect(scheduled).toHaveLength(2); // getCurrentLocation and getCatFact; no weather
    expect(attempts).toEqual([1, 1]);
  });

  it('runs again for the same user once the previous run closed', async () => {
    await runUserContext('user-again');
    await runUserContext('user-again');
  });

  it.each([
    [{ userId: 'u1', strategy: 'fastest' }, 'strategy'],
    [{ userId: 'not ok!', strategy: 'parallel' }, 'userId'],
    [{ strategy: 'parallel' }, 'userId'],
    [{ userId: 'u1', ip: '999.1.1.1' }, 'ip'],
  ])('refuses %j naming %s, starting nothing', async (body, param) => {
    const res = await postJson(`${api.url}/api/v1/workflows/user-context`, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param });
    // A valid run after the refused one: once the server lists it, it lists only the runs started here.
    await runUserContext('user-after-refusal');
    expect(await listedRuns()).toBe(started);
  });
});
