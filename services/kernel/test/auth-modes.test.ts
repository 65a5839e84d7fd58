/**
 * The kernel's auth modes on a small real service over HTTP: under AUTH=strict a domain write (a
 * chaos POST) and a ledger need SERVICE_TOKEN, and a refused write leaves nothing behind; under
 * AUTH=open anyone may call them. The admin token is separate in both modes, and each operation's
 * OpenAPI security says which token it needs.
 */
import { z } from 'zod';
import { routeSecurity } from '../src/auth.ts';
import { openDb } from '../src/db.ts';
import { defineRoute } from '../src/route-definition.ts';
import { createService } from '../src/service.ts';
import type { Service } from '../src/service.ts';
import { expectError, getJson, postJson, testEnv } from '../src/testing.ts';

const SERVICE_TOKEN = 'test-service-token';
const ADMIN_TOKEN = 'test-admin-token';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const unauthorized = { type: 'invalid_request_error', code: 'unauthorized' };

const rowSchema = z.object({ id: z.number(), orderId: z.string() });

/** A domain service of one table: a chaos POST writes a row, a ledger GET reads them back. */
function createThingService(overrides: Record<string, string>): Service {
  const db = openDb(':memory:');
  db.exec('CREATE TABLE things (id INTEGER PRIMARY KEY, order_id TEXT NOT NULL)');
  const rows = () => db.prepare('SELECT id, order_id AS orderId FROM things').all();
  return createService({
    name: 'things',
    prefix: '/things',
    env: testEnv(overrides),
    db,
    chaos: { make: { weights: { success: 100 } }, lookUp: { weights: { success: 100 } } },
    routes: [
      defineRoute({
        method: 'post',
        path: '/things/make',
        operationId: 'makeThing',
        summary: 'Write a row',
        chaos: 'make',
        status: 201,
        body: z.object({ orderId: z.string() }),
        response: rowSchema,
        handler: ({ body }) => {
          const { lastInsertRowid } = db.prepare('INSERT INTO things (order_id) VALUES (?)').run(body.orderId);
          return { id: Number(lastInsertRowid), orderId: body.orderId };
        },
      }),
      defineRoute({
        method: 'get',
        path: '/things/ledger',
        operationId: 'getThingLedger',
        summary: 'Every row',
        service: true,
        response: z.object({ rows: z.array(rowSchema) }),
        handler: () => ({ rows: rows() as Array<z.infer<typeof rowSchema>> }),
      }),
      defineRoute({
        method: 'get',
        path: '/things/look-up',
        operationId: 'lookUpThing',
        summary: 'A chaos GET (a public-API stand-in): not a write',
        chaos: 'lookUp',
        response: z.object({ ok: z.boolean() }),
        handler: () => ({ ok: true }),
      }),
      defineRoute({
        method: 'post',
        path: '/things/restock',
        operationId: 'restockThings',
        summary: 'An admin write',
        admin: true,
        response: z.object({ ok: z.boolean() }),
        handler: () => ({ ok: true }),
      }),
    ],
  });
}

let service: Service | undefined;
async function start(overrides: Record<string, string>): Promise<string> {
  service = createThingService(overrides);
  return (await service.listen(0, '127.0.0.1')).url;
}
afterEach(async () => {
  await service?.close();
  service = undefined;
});

const ledger = async (url: string) => (await getJson(`${url}/things/ledger`, bearer(SERVICE_TOKEN))).body.rows;

describe('AUTH=strict', () => {
  it('refuses a domain write without the service token with 401 and writes nothing', async () => {
    const url = await start({ AUTH: 'strict', SERVICE_TOKEN });
    const res = await postJson(`${url}/things/make`, { orderId: 'ORD-1' });
    expectError(res, 401, unauthorized);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expectError(await postJson(`${url}/things/make`, { orderId: 'ORD-1' }, bearer('not-the-token')), 401, unauthorized);
    expectError(await postJson(`${url}/things/make`, { orderId: 'ORD-1' }, bearer(ADMIN_TOKEN)), 401, unauthorized);
    expect(await ledger(url)).toEqual([]);
  });

  it('accepts a domain write with the service token', async () => {
    const url = await start({ AUTH: 'strict', SERVICE_TOKEN });
    const res = await postJson(`${url}/things/make`, { orderId: 'ORD-1' }, bearer(SERVICE_TOKEN));
    expect(res.status).toBe(201);
    expect(await ledger(url)).toEqual([{ id: 1, orderId: 'ORD-1' }]);
  });

  it('checks the token before the body and before replaying an Idempotency-Key', async () => {
    const url = await start({ AUTH: 'strict', SERVICE_TOKEN });
    const key = { 'idempotency-key': 'k-1' };
    expect(
      (await postJson(`${url}/things/make`, { orderId: 'ORD-1' }, { ...key, ...bearer(SERVICE_TOKEN) })).status,
    ).toBe(201);
    const replay = await postJson(`${url}/things/make`, { orderId: 'ORD-1' }, key);
    expectError(replay, 401, unauthorized);
    expect(replay.headers.get('idempotent-replayed')).toBeNull();
    expectError(await postJson(`${url}/things/make`, { nonsense: true }), 401, unauthorized);
  });

  it('answers a ledger only to the service token, and a chaos GET to anyone', async () => {
    const url = await start({ AUTH: 'strict', SERVICE_TOKEN });
    expectError(await getJson(`${url}/things/ledger`), 401, unauthorized);
    expect((await getJson(`${url}/things/ledger`, bearer(SERVICE_TOKEN))).status).toBe(200);
    expect((await getJson(`${url}/things/look-up`)).status).toBe(200);
  });

  it('keeps admin routes on the admin token, which the service token does not replace', async () => {
    const url = await start({ AUTH: 'strict', SERVICE_TOKEN });
    expectError(await postJson(`${url}/things/restock`, {}, bearer(SERVICE_TOKEN)), 401, unauthorized);
    expect((await postJson(`${url}/things/restock`, {}, bearer(ADMIN_TOKEN))).status).toBe(200);
  });

  it('refuses to start without SERVICE_TOKEN, naming it', () => {
    expect(() => createThingService({ AUTH: 'strict' })).toThrow(/SERVICE_TOKEN: required when AUTH=strict/);
  });

  it("documents each operation's token in /openapi.json", async () => {
    const url = await start({ AUTH: 'strict', SERVICE_TOKEN });
    const doc = (await getJson(`${url}/openapi.json`)).body;
    expect(doc.paths['/things/make'].post.security).toEqual([{ service: [] }]);
    expect(doc.paths['/things/ledger'].get.security).toEqual([{ service: [] }]);
    expect(doc.paths['/things/look-up'].get.security).toBeUndefined();
    expect(doc.paths['/things/restock'].post.security).toEqual([{ admin: [] }]);
    expect(doc.paths['/things/chaos'].put.security).toEqual([{ admin: [] }]);
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['admin', 'service']);
    expect(doc.components.securitySchemes.service).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/things/make'].post.responses['401']).toBeDefined();
  });
});

describe('AUTH=open', () => {
  it('accepts domain writes and ledger reads without a token', async () => {
    const url = await start({});
    expect((await postJson(`${url}/things/make`, { orderId: 'ORD-1' })).status).toBe(201);
    expect((await getJson(`${url}/things/ledger`)).body.rows).toEqual([{ id: 1, orderId: 'ORD-1' }]);
  });

  it('still needs the admin token for admin routes', async () => {
    const url = await start({});
    expectError(await postJson(`${url}/things/restock`, {}), 401, unauthorized);
  });

  it('documents no token on domain writes, and the admin token where it is needed', async () => {
    const url = await start({ SERVICE_TOKEN });
    const doc = (await getJson(`${url}/openapi.json`)).body;
    expect(doc.paths['/things/make'].post.security).toBeUndefined();
    expect(doc.paths['/things/ledger'].get.security).toBeUndefined();
    expect(doc.paths['/things/restock'].post.security).toEqual([{ admin: [] }]);
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['admin']);
  });
});

describe('routeSecurity', () => {
  const route = (def: Partial<Parameters<typeof defineRoute>[0]>) =>
    defineRoute({
      method: 'post',
      path: '/x',
      operationId: 'x',
      summary: 'x',
      response: z.object({}),
      handler: () => ({}),
      ...def,
    });
  const strict = { AUTH: 'strict' as const, SERVICE_TOKEN };
  it('makes a chaos POST a service route unless it says otherwise', () => {
    expect(routeSecurity(route({ chaos: 'make' }), strict)).toEqual(['service']);
    expect(routeSecurity(route({ chaos: 'make', service: false }), strict)).toEqual([]);
    expect(routeSecurity(route({ method: 'get', chaos: 'lookUp' }), strict)).toEqual([]);
    expect(routeSecurity(route({}), strict)).toEqual([]);
  });
  it('falls back to what the handler checks: the API declares its manager and customer tokens', () => {
    expect(routeSecurity(route({ security: ['manager', 'customer'] }), strict)).toEqual(['manager', 'customer']);
    expect(routeSecurity(route({ chaos: 'make', security: ['manager'] }), { AUTH: 'open', SERVICE_TOKEN })).toEqual([
      'manager',
    ]);
  });
});
