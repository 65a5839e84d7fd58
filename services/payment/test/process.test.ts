/**
 * Payment as a real process (with the telemetry preload, as it runs in the stack): its ledger
 * survives a SIGKILL, and its traces reach an OTLP/HTTP receiver with W3C context propagated.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { postJson, getJson, spawnService, startOtlpReceiver, tempDir } from '@fake-stripe/kernel/testing';
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

describe('payment telemetry', () => {
  let tmp: ReturnType<typeof tempDir>;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  beforeAll(async () => {
    tmp = tempDir('fake-stripe-otel-');
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => {
    await receiver.close();
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
        const ours = receiver.spans.filter((s) => s.traceId === traceId);
        return ours.some((s) => s.scope.includes('koa') && s.name.includes('/payment/authorize')) && ours;
      },
      'the koa span of /payment/authorize at the OTLP receiver',
      { timeoutMs: 10_000 },
    );
    expect(receiver.contentTypes.filter((t) => !t.includes('application/json'))).toEqual([]);

    const koa = spans.find((s) => s.scope.includes('koa') && s.name === 'router - /payment/authorize');
    expect(koa).toBeDefined();
    expect(koa?.attributes).toMatchObject({
      'http.route': '/payment/authorize',
      'chaos.operation': 'authorize',
      'chaos.outcome': 'success',
      'chaos.forced': true,
    });
    // The incoming HTTP server span is the child of the caller's span (W3C propagation), and the
    // route span's parent.
    const server = spans.find((s) => s.scope === 'fake-stripe-http-server' && s.kind === 2);
    expect(server).toMatchObject({
      traceId,
      parentSpanId: parentId,
      name: 'POST /payment/authorize',
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/payment/authorize',
        'http.response.status_code': 201,
        'url.path': '/payment/authorize',
        'correlation.id': 'corr-trace-1',
      },
    });
    expect(koa?.parentSpanId).toBe(server?.spanId);

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
