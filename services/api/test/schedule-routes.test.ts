/**
 * The schedule routes' HTTP contract with no Temporal behind it: bad input and missing tokens are
 * refused before any Temporal call (which would answer 503/504 here), the OpenAPI document has them,
 * and under AUTH=strict the worker's service token may read the audit (its scheduled run's source).
 */
import { expectError, getJson, postJson, startInProcess } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { createApiService, envSchema } from '../src/main.ts';

const MANAGER = 'test-manager-token';
const SERVICE = 'test-service-token';
const asManager = { authorization: `Bearer ${MANAGER}` };
const noTemporal = { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_CALL_TIMEOUT_MS: '1500', HTTP_TIMEOUT_MS: '500' };

let open: Running;
let strict: Running;
beforeAll(async () => {
  [open, strict] = await Promise.all([
    startInProcess(createApiService, { ...noTemporal, MANAGER_TOKEN: MANAGER }, envSchema),
    startInProcess(
      createApiService,
      { ...noTemporal, MANAGER_TOKEN: MANAGER, AUTH: 'strict', SERVICE_TOKEN: SERVICE },
      envSchema,
    ),
  ]);
});
afterAll(async () => {
  await Promise.all([open?.close(), strict?.close()]);
});

const bad = { type: 'invalid_request_error' };

describe('schedule routes (refused before Temporal)', () => {
  it('refuses an unknown schedule name, naming it', async () => {
    expectError(await postJson(`${open.url}/api/v1/schedules/nightly`, {}, asManager), 400, { ...bad, param: 'name' });
    expectError(await getJson(`${open.url}/api/v1/schedules/nightly`), 400, { ...bad, param: 'name' });
  });

  it('refuses bad bodies: an interval under 10 s, unknown fields, a backfill window that ends first', async () => {
    const create = (body: unknown) => postJson(`${open.url}/api/v1/schedules/audit`, body, asManager);
    expectError(await create({ everySeconds: 5 }), 400, { ...bad, param: 'everySeconds' });
    expectError(await create({ cron: '* * * * *' }), 400, bad);
    const backfill = (body: unknown) => postJson(`${open.url}/api/v1/schedules/audit/backfill`, body, asManager);
    expectError(await backfill({ start: '2026-01-02T00:00:00Z', end: '2026-01-01T00:00:00Z' }), 400, {
      ...bad,
      param: 'end',
    });
    expectError(await backfill({ start: 'yesterday', end: '2026-01-01T00:00:00Z' }), 400, { ...bad, param: 'start' });
    expectError(await getJson(`${open.url}/api/v1/audit/history?limit=0`), 400, { ...bad, param: 'limit' });
  });

  it('needs the manager token for every schedule command', async () => {
    for (const path of ['audit', 'audit/pause', 'audit/unpause', 'audit/trigger'])
      expectError(await postJson(`${open.url}/api/v1/schedules/${path}`, {}), 401, { code: 'unauthorized', ...bad });
    const del = await fetch(`${open.url}/api/v1/schedules/audit`, { method: 'DELETE' });
    expect(del.status).toBe(401);
  });

  it('answers 503/504 in the error shape when Temporal is unreachable', async () => {
    const res = await getJson(`${open.url}/api/v1/schedules`);
    expect([503, 504]).toContain(res.status);
    expect(res.body.error.type).toBe('api_error');
  });

  it('documents the schedule routes from their schemas', async () => {
    const { body: doc } = await getJson(`${open.url}/openapi.json`);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/schedules',
        '/api/v1/schedules/{name}',
        '/api/v1/schedules/{name}/pause',
        '/api/v1/schedules/{name}/unpause',
        '/api/v1/schedules/{name}/trigger',
        '/api/v1/schedules/{name}/backfill',
        '/api/v1/audit/history',
      ]),
    );
    expect(Object.keys(doc.paths['/api/v1/schedules/{name}'])).toEqual(
      expect.arrayContaining(['get', 'post', 'delete']),
    );
    expect(doc.paths['/api/v1/schedules/{name}/trigger'].post.security).toEqual([{ manager: [] }]);
  });
});

describe('AUTH=strict', () => {
  it("lets the worker's service token read the audit, and no one else without the manager's", async () => {
    // Past the token check, the audit needs Temporal: 503/504 here means the token was accepted.
    const asService = await getJson(`${strict.url}/api/v1/audit`, { authorization: `Bearer ${SERVICE}` });
    expect([503, 504]).toContain(asService.status);
    expectError(await getJson(`${strict.url}/api/v1/audit`, { authorization: 'Bearer nope' }), 403, bad);
    expectError(await getJson(`${strict.url}/api/v1/audit`), 401, bad);
    // The service token reads the audit only: not the schedules or the history.
    expectError(await getJson(`${strict.url}/api/v1/audit/history`, { authorization: `Bearer ${SERVICE}` }), 403, bad);
    const { body: doc } = await getJson(`${strict.url}/openapi.json`);
    expect(doc.paths['/api/v1/audit'].get.security).toEqual([{ manager: [] }, { service: [] }]);
  });
});
