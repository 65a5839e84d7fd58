/**
 * Payment as a real process (with the telemetry preload, as it runs in the stack): its ledger
 * survives a SIGKILL, and its traces reach an OTLP/HTTP receiver with W3C context propagated.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { postJson, getJson, spawnService, tempDir } from '@fake-stripe/kernel/testing';
import type { Spawned } from '@fake-stripe/kernel/testing';
import { eventually, forceSuccess } from './support.ts';

const spawned: Spawned[] = [];
afterAll(async () => {
  await Promise.all(spawned.map((p) => p.kill('SIGKILL')));
});
async function spawnPayment(env: Record<string, string>): Promise<Spawned> {
  const proc = await spawnService('payment', env);
  spawned.push(proc);
  return proc;
}

describe('payment ledger durability', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeAll(() => {
    tmp = tempDir('fake-stripe-durable-');
  });
  afterAll(() => tmp.remove());

  it('keeps a hold (and its idempotent answer) across a SIGKILL: the restarted process captures it', async () => {
    const env = { DATA_DIR: join(tmp.dir, 'data') };
    const first = await spawnPayment(env);
    const body = { orderId: 'ORD-DURABLE', customerId: 'CUST-1', amount: 7300 };
    const auth = await postJson(`${first.url}/payment/authorize`, body, {
      ...forceSuccess,
      'Idempotency-Key': 'durable-key',
    });
    expect(auth.status).toBe(201);
    await first.kill('SIGKILL');
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = await spawnPayment(env);
    expect(second.url).not.toBe(first.url);
    const replay = await postJson(`${second.url}/payment/authorize`, body, {
      ...forceSuccess,
      'Idempotency-Key': 'durable-key',
    });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(auth.body);

    const capture = await postJson(
      `${second.url}/payment/capture`,
      { authorizationId: auth.body.authorizationId },
      forceSuccess,
    );
    expect(capture.status).toBe(200);
    expect(capture.body).toMatchObject({ authorizationId: auth.body.authorizationId, amount: 7300 });
    const ledger = await getJson(`${second.url}/payment/ledger?orderId=ORD-DURABLE`);
    expect(ledger.body.authorizations).toEqual([{ ...auth.body, status: 'captured' }]);
    expect(ledger.body.captures).toEqual([capture.body]);
  });
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}
interface Export {
  contentType: string;
  spans: Array<OtlpSpan & { scope: string }>;
}

/**
 * A minimal OTLP/HTTP trace receiver. The kernel's exporter (`@opentelemetry/exporter-trace-otlp-http`)
 * always sends JSON; every export is kept with its content type, so a test can require JSON.
 */
async function startReceiver(): Promise<{ url: string; exports: Export[]; server: Server }> {
  const exports: Export[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const contentType = req.headers['content-type'] ?? '';
      const spans: Export['spans'] = [];
      if (req.url === '/v1/traces' && contentType.includes('application/json')) {
        const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: Array<{ scopeSpans: Array<{ scope: { name: string }; spans: OtlpSpan[] }> }>;
        };
        for (const rs of doc.resourceSpans)
          for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, scope: ss.scope.name });
      }
      if (req.url === '/v1/traces') exports.push({ contentType, spans });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports, server };
}

describe('payment telemetry', () => {
  let tmp: ReturnType<typeof tempDir>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    tmp = tempDir('fake-stripe-otel-');
    receiver = await startReceiver();
  });
  afterAll(async () => {
    receiver.server.closeAllConnections();
    await new Promise((resolve) => receiver.server.close(resolve));
    tmp.remove();
  });

  it('exports the koa route span of POST /payment/authorize in the caller’s W3C trace, and logs its trace id', async () => {
    const proc = await spawnPayment({
      DATA_DIR: join(tmp.dir, 'data'),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_SERVICE_NAME: 'payment',
    });
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    const res = await postJson(
      `${proc.url}/payment/authorize`,
      { orderId: 'ORD-TRACE', customerId: 'CUST-1', amount: 100 },
      { ...forceSuccess, traceparent: `00-${traceId}-${parentId}-01`, 'X-Correlation-Id': 'corr-trace-1' },
    );
    expect(res.status).toBe(201);

    const spans = await eventually(
      () => {
        const ours = receiver.exports.flatMap((e) => e.spans).filter((s) => s.traceId === traceId);
        return ours.some((s) => s.scope.includes('koa') && s.name.includes('/payment/authorize')) && ours;
      },
      'the koa span of /payment/authorize at the OTLP receiver',
      { timeoutMs: 10_000 },
    );
    expect(receiver.exports.filter((e) => !e.contentType.includes('application/json'))).toEqual([]);

    const koa = spans.find((s) => s.scope.includes('koa') && s.name === 'router - /payment/authorize');
    expect(koa).toBeDefined();
    const attrs = Object.fromEntries((koa?.attributes ?? []).map((a) => [a.key, Object.values(a.value)[0]]));
    expect(attrs).toMatchObject({
      'http.route': '/payment/authorize',
      'chaos.operation': 'authorize',
      'chaos.outcome': 'success',
      'chaos.forced': true,
    });
    // The incoming HTTP server span is the child of the caller's span: W3C propagation.
    const server = spans.find((s) => s.scope.includes('http') && s.kind === 2);
    expect(server).toMatchObject({ traceId, parentSpanId: parentId });

    // The request's pino line carries the same trace id and the correlation id.
    const line = await eventually(
      () =>
        proc.lines
          .map((l) => {
            try {
              return JSON.parse(l) as Record<string, unknown>;
            } catch {
              return undefined;
            }
          })
          .find((l) => l?.msg === 'request' && l.path === '/payment/authorize'),
      'the request log line',
    );
    expect(line).toMatchObject({ trace_id: traceId, correlation_id: 'corr-trace-1', service: 'payment', status: 201 });
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
  });
});
