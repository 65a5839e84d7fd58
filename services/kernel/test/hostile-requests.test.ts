/**
 * What a hostile client sends, against every service as a real process over real HTTP: a body that
 * cannot be decompressed, read or parsed, and methods no route answers. Each must be a 4xx in the one
 * error shape, and none may be logged as an error: the caller made the mistake, not the service.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { eventually, expectError, spawnService, tempDir } from '../src/testing.ts';
import type { JsonReply, Spawned } from '../src/testing.ts';

interface Target {
  name: string;
  /** A route of the service, and its method. */
  route: { method: string; path: string };
  /**
   * Where to send bodies: the route itself, or another that validates a JSON body. A service with no
   * such route (user-context) is sent them as a POST anyway: the body is read before routing.
   */
  body?: { method: string; path: string; validated: boolean };
}

const targets: Target[] = [
  { name: 'payment', route: { method: 'POST', path: '/payment/authorize' } },
  { name: 'inventory', route: { method: 'POST', path: '/inventory/reserve' } },
  { name: 'shipping', route: { method: 'POST', path: '/shipping/create-label' } },
  { name: 'notification', route: { method: 'POST', path: '/notification/send' } },
  {
    name: 'public-apis',
    route: { method: 'GET', path: '/catfact/fact' },
    body: { method: 'PUT', path: '/public-apis/chaos', validated: true },
  },
  {
    name: 'user-context',
    route: { method: 'GET', path: '/api/v1/user-context' },
    body: { method: 'POST', path: '/api/v1/user-context', validated: false },
  },
  { name: 'api', route: { method: 'POST', path: '/api/v1/order' } },
];
const bodyRouteOf = (t: Target) => t.body ?? { ...t.route, validated: true };

const ADMIN_TOKEN = 'test-admin-token';
const tmp = tempDir('fake-stripe-hostile-');
const running = new Map<string, Spawned>();

beforeAll(async () => {
  const spawned = await Promise.all(
    targets.map((t) =>
      spawnService(
        t.name,
        {
          DATA_DIR: join(tmp.dir, t.name),
          ADMIN_TOKEN,
          BODY_LIMIT: '1kb',
          // Nothing here reaches Temporal or another service; a closed loopback port, never a real one.
          TEMPORAL_ADDRESS: '127.0.0.1:1',
        },
        60_000,
      ),
    ),
  );
  targets.forEach((t, i) => running.set(t.name, spawned[i]!));
}, 90_000);
afterAll(async () => {
  await Promise.all([...running.values()].map((s) => s.kill()));
  tmp.remove();
});

interface Sent extends JsonReply {
  raw: string;
}

/** One request with node:http (fetch refuses methods such as TRACE), its JSON body parsed. */
function send(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = request({ host: hostname, port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const replyHeaders = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') replyHeaders.set(k, v);
        let parsed: unknown;
        try {
          parsed = raw ? JSON.parse(raw) : undefined;
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: replyHeaders, body: parsed, raw });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Log lines of the requests with these correlation ids, once each one's request line is written. */
function logOf(service: Spawned, ids: string[]): Promise<Array<Record<string, unknown>>> {
  const logged = (mine: Array<Record<string, unknown>>) =>
    new Set(mine.filter((e) => e.msg === 'request').map((e) => e.correlation_id));
  return eventually(
    () =>
      service.lines
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        })
        .filter((e) => ids.includes(e.correlation_id as string)),
    `a request line for each of ${ids.join(', ')}`,
    { until: (mine) => ids.every((id) => logged(mine).has(id)), timeoutMs: 10_000, intervalMs: 25 },
  );
}

/** Sends each request with its own correlation id; returns the replies and the service's log lines of them. */
async function sendAll(
  target: Target,
  requests: Array<{ method: string; path: string; headers?: Record<string, string>; body?: Buffer | string }>,
): Promise<{ replies: Sent[]; log: Array<Record<string, unknown>> }> {
  const service = running.get(target.name)!;
  const ids: string[] = [];
  const replies: Sent[] = [];
  for (const r of requests) {
    const id = `corr-hostile-${randomUUID()}`;
    ids.push(id);
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-correlation-id': id, ...r.headers };
    replies.push(await send(service.url, r.method, r.path, headers, r.body));
  }
  return { replies, log: await logOf(service, ids) };
}

const errorsIn = (log: Array<Record<string, unknown>>) => log.filter((e) => e.level === 'error' || e.level === 'fatal');

const json = { 'content-type': 'application/json' };
const oversize = JSON.stringify({ filler: 'x'.repeat(2048) });

describe.each(targets)('$name: a body that cannot be decoded, read or parsed', (target) => {
  const { method, path, validated } = bodyRouteOf(target);

  it.each([
    ['gzip', '{}'],
    ['deflate', '{}'],
    ['br', '{}'],
    ['gzip', gzipSync('{"orderId":"ORD-1"}').subarray(0, 12)],
  ])('refuses a corrupt %s body with a 400, not a 500', async (encoding, body) => {
    const { replies, log } = await sendAll(target, [
      { method, path, headers: { ...json, 'content-encoding': encoding }, body },
    ]);
    expectError(replies[0]!, 400, { type: 'invalid_request_error', code: 'invalid_body_encoding' });
    expect(errorsIn(log)).toEqual([]);
  });

  it.each(['zstd', 'compress', 'x-nonsense'])(
    'refuses the Content-Encoding %s with a 415 that names the encoding',
    async (encoding) => {
      const { replies, log } = await sendAll(target, [
        { method, path, headers: { ...json, 'content-encoding': encoding }, body: '{}' },
      ]);
      const error = expectError(replies[0]!, 415, {
        type: 'invalid_request_error',
        code: 'unsupported_content_encoding',
      });
      expect(error.message).toContain(encoding);
      expect(errorsIn(log)).toEqual([]);
    },
  );

  it.each([
    ['text/plain', '{}'],
    ['application/x-www-form-urlencoded', 'orderId=ORD-1'],
    ['application/xml', '<order/>'],
  ])('refuses a %s body with a 415', async (type, body) => {
    const { replies } = await sendAll(target, [{ method, path, headers: { 'content-type': type }, body }]);
    expectError(replies[0]!, 415, { type: 'invalid_request_error', code: 'unsupported_media_type' });
  });

  it('refuses malformed JSON with a 400 invalid_json', async () => {
    const { replies } = await sendAll(target, [{ method, path, headers: json, body: '{"orderId": ' }]);
    expectError(replies[0]!, 400, { type: 'invalid_request_error', code: 'invalid_json' });
  });

  it('refuses a body over BODY_LIMIT with a 413, plain or decompressed', async () => {
    const { replies, log } = await sendAll(target, [
      { method, path, headers: json, body: oversize },
      { method, path, headers: { ...json, 'content-encoding': 'gzip' }, body: gzipSync(oversize) },
    ]);
    for (const reply of replies) expectError(reply, 413, { type: 'invalid_request_error', code: 'body_too_large' });
    expect(errorsIn(log)).toEqual([]);
  });

  if (validated) {
    it.each([
      ['gzip', gzipSync],
      ['GZIP', gzipSync],
      ['deflate', deflateSync],
      ['br', brotliCompressSync],
    ])('decodes a valid %s body and validates it', async (encoding, compress) => {
      const { replies } = await sendAll(target, [
        {
          method,
          path,
          headers: { ...json, 'content-encoding': encoding },
          body: compress(JSON.stringify({ unexpected: true })),
        },
      ]);
      expectError(replies[0]!, 400, { type: 'invalid_request_error', code: 'parameter_invalid' });
    });

    it('reads a request without a body as {} whatever its Content-Type', async () => {
      const { replies } = await sendAll(target, [
        { method, path, headers: json, body: '{}' },
        { method, path },
        { method, path, headers: { 'content-type': 'text/plain' } },
      ]);
      const [asJson, ...bodyless] = replies.map((r) => ({ status: r.status, code: r.body?.error?.code }));
      expect(asJson!.status).not.toBe(415);
      for (const reply of bodyless) expect(reply).toEqual(asJson);
    });
  }
});

describe.each(targets)('$name: methods no route answers', (target) => {
  const { route } = target;

  it.each(['TRACE', 'PROPFIND', 'SEARCH', 'MKCOL', 'LOCK', 'PURGE', 'DELETE', 'PATCH'])(
    'answers %s on a known path with a 405 naming the allowed methods, and logs no error',
    async (method) => {
      const { replies, log } = await sendAll(target, [{ method, path: route.path }]);
      const reply = replies[0]!;
      expectError(reply, 405, { type: 'invalid_request_error', code: 'method_not_allowed' });
      expect(reply.headers.get('allow')?.split(', ')).toContain(route.method);
      expect(errorsIn(log)).toEqual([]);
      expect(log.find((e) => e.msg === 'request')).toMatchObject({ method, status: 405 });
    },
  );

  it.each(['TRACE', 'PROPFIND', 'DELETE'])('answers %s on an unknown path with a 404', async (method) => {
    const { replies, log } = await sendAll(target, [{ method, path: '/no/such/route' }]);
    expectError(replies[0]!, 404, { type: 'invalid_request_error', code: 'route_not_found' });
    expect(replies[0]!.headers.get('allow')).toBeNull();
    expect(errorsIn(log)).toEqual([]);
  });

  it('answers TRACE on a standard endpoint with a 405', async () => {
    // /health is not logged (a probe's path), so this one is sent without waiting for its log line.
    const reply = await send(running.get(target.name)!.url, 'TRACE', '/health', { 'x-correlation-id': 'corr-trace' });
    expectError(reply, 405, { type: 'invalid_request_error', code: 'method_not_allowed' });
    expect(reply.headers.get('allow')).toBe('HEAD, GET');
  });

  it("answers the route's own method as before", async () => {
    const { replies } = await sendAll(target, [{ method: 'OPTIONS', path: route.path }]);
    expect(replies[0]!.status).toBe(200);
    expect(replies[0]!.headers.get('allow')?.split(', ')).toContain(route.method);
  });
});

describe('methods that never reach a service', () => {
  it("a method Node's parser does not know (FOO) is refused by Node with a 400 and logs nothing", async () => {
    const payment = running.get('payment')!;
    const before = payment.lines.length;
    const reply = await send(payment.url, 'FOO', '/payment/authorize');
    expect(reply.status).toBe(400);
    // A request that does reach koa is logged by now, so a line from FOO would be too.
    await sendAll(targets[0]!, [{ method: 'GET', path: '/payment/ledger?orderId=ORD-1' }]);
    const lines = payment.lines.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l.method === 'FOO' || l.level === 'error')).toEqual([]);
  });
});
