import { getJson, postJson } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import type { UserContextResult } from '@fake-stripe/kernel';
import { startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

let p: Platform;
let api: Running;

beforeAll(async () => {
  p = await startPlatform({ publicApis: true });
  await p.startWorker();
  api = await p.startApi();
}, 120_000);
afterAll(() => p?.stop(), 60_000);

/** Replaces the stand-in's chaos (admin), e.g. to make one upstream fail every call. */
async function publicApisChaos(config: object): Promise<void> {
  const res = await fetch(`${p.urls.publicApis}/public-apis/chaos`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-admin-token' },
    body: JSON.stringify(config),
  });
  expect(res.status).toBe(200);
}

async function runUserContext(userId: string, strategy: string): Promise<UserContextResult> {
  const started = await postJson(`${api.url}/api/v1/workflows/user-context`, { userId, strategy });
  expect(started.status).toBe(201);
  expect(started.body.workflowId).toBe(`user-context-${userId}`);
  const res = await getJson(`${api.url}/api/v1/workflows/${started.body.workflowId}/result?wait=30`);
  expect(res.body.status).toBe('completed');
  return res.body.result as UserContextResult;
}

describe('userContextWorkflow through the API', () => {
  afterEach(() => publicApisChaos({ profile: 'off' }));

  it.each(['parallel', 'sequential'])('returns location, weather and a cat fact (%s)', async (strategy) => {
    const result = await runUserContext(`user-${strategy}`, strategy);
    expect(result.strategy).toBe(strategy);
    expect(result.location).toEqual(
      expect.objectContaining({ city: expect.any(String), lat: expect.any(Number), lon: expect.any(Number) }),
    );
    expect(result.weather).toEqual(expect.objectContaining({ temperature: expect.any(Number) }));
    expect(typeof result.catFact).toBe('string');
    expect(result.sources).toEqual({ location: { ok: true }, weather: { ok: true }, catFact: { ok: true } });
    const progress = await getJson(`${api.url}/api/v1/workflows/user-context-user-${strategy}/progress`);
    expect(progress.body.progress).toBe(100);
  });

  it('gives null for a failed source and says why; weather is null when location failed', async () => {
    await publicApisChaos({ profile: 'off', overrides: { location: { weights: { server_error: 1 } } } });
    const result = await runUserContext('user-no-location', 'parallel');
    expect(result.location).toBeNull();
    expect(result.weather).toBeNull();
    expect(typeof result.catFact).toBe('string');
    expect(result.sources.location).toEqual({ ok: false, error: expect.stringMatching(/500/) });
    expect(result.sources.weather).toEqual({ ok: false, error: 'location unavailable' });
    expect(result.sources.catFact).toEqual({ ok: true });
  });

  it('gives null for only the cat fact when that source fails', async () => {
    await publicApisChaos({ profile: 'off', overrides: { catFact: { weights: { rate_limited: 1 } } } });
    const result = await runUserContext('user-no-fact', 'sequential');
    expect(result.location).not.toBeNull();
    expect(result.weather).not.toBeNull();
    expect(result.catFact).toBeNull();
    expect(result.sources.catFact).toEqual({ ok: false, error: expect.stringMatching(/429/) });
  });

  it('runs again for the same user once the previous run closed', async () => {
    await runUserContext('user-again', 'parallel');
    await runUserContext('user-again', 'parallel');
  });

  it.each([
    [{ userId: 'u1', strategy: 'rxjs' }, 'strategy'],
    [{ userId: 'not ok!', strategy: 'parallel' }, 'userId'],
    [{ strategy: 'parallel' }, 'userId'],
    [{ userId: 'u1', ip: '999.1.1.1' }, 'ip'],
  ])('refuses %j naming %s, starting nothing', async (body, param) => {
    const res = await postJson(`${api.url}/api/v1/workflows/user-context`, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param });
    const id = (body as { userId?: string }).userId;
    if (id && /^[\w.:-]+$/.test(id))
      expect((await getJson(`${api.url}/api/v1/workflows/user-context-${id}/status`)).status).toBe(404);
  });
});
