/**
 * The endpoints every service serves: liveness, readiness, Prometheus metrics, the
 * OpenAPI 3.1 document generated from the validating schemas, and Swagger UI.
 */
import { forceSuccess, startPayment } from './support.ts';
import type { Payment } from './support.ts';

let svc: Payment;
beforeAll(async () => {
  svc = await startPayment();
});
afterAll(() => svc.close());

interface Schema {
  $ref?: string;
  type?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean;
}
interface OpenApi {
  openapi: string;
  info: { title: string };
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
        parameters?: Array<{ in: string; name: string; required?: boolean; schema?: Schema & { enum?: string[] } }>;
        responses: Record<string, unknown>;
      }
    >
  >;
  components: { schemas: Record<string, Schema> };
}

describe('GET /health and /ready', () => {
  it('answers liveness', async () => {
    const res = await svc.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', service: 'payment' });
  });

  it('answers readiness once the store answers', async () => {
    const res = await svc.get('/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ready', service: 'payment' });
  });
});

describe('GET /metrics', () => {
  it('exports RED metrics per route and chaos outcome counters', async () => {
    await svc.authorize('ORD-METRICS');
    await svc.post(
      '/payment/authorize',
      { orderId: 'ORD-METRICS', customerId: 'C', amount: 1 },
      { 'X-Chaos-Outcome': 'server_error' },
    );
    const res = await fetch(`${svc.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/openmetrics-text|text\/plain/);
    const text = await res.text();
    const line = (re: RegExp) => text.split('\n').find((l) => re.test(l));
    expect(line(/^fake_stripe_http_requests_total\{.*route="\/payment\/authorize".*status="201".*\} 1$/)).toBeDefined();
    expect(line(/^fake_stripe_http_requests_total\{.*route="\/payment\/authorize".*status="500".*\} 1$/)).toBeDefined();
    expect(
      line(/^fake_stripe_chaos_outcomes_total\{operation="authorize",outcome="success",forced="true".*\} 1$/),
    ).toBeDefined();
    expect(
      line(/^fake_stripe_chaos_outcomes_total\{operation="authorize",outcome="server_error",forced="true".*\} 1$/),
    ).toBeDefined();
    expect(text).toContain('fake_stripe_http_request_duration_seconds_bucket');
    // No order ids as label values (low cardinality).
    expect(text).not.toContain('ORD-METRICS');
  });

  it('names the Node.js runtime and process metrics as community dashboards query them, and ours fake_stripe_*', async () => {
    const text = await (await fetch(`${svc.url}/metrics`)).text();
    const names = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    for (const standard of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(text).toMatch(new RegExp(`^${standard}\\{[^}]*service="payment"[^}]*\\} \\d`, 'm'));
    expect([...names].filter((n) => !/^(fake_stripe_|process_|nodejs_)/.test(n))).toEqual([]);
    expect([...names].filter((n) => /^fake_stripe_(process|nodejs)_/.test(n))).toEqual([]);
  });
});

describe('GET /openapi.json', () => {
  let doc: OpenApi;
  beforeAll(async () => {
    const res = await svc.get('/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body as OpenApi;
  });
  const resolve = (schema: Schema): Schema =>
    schema.$ref ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]! : schema;
  const bodySchema = (path: string): Schema =>
    resolve(doc.paths[path]!.post!.requestBody!.content['application/json']!.schema);

  it('is OpenAPI 3.1 with every domain path', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toContain('payment');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/payment/authorize',
        '/payment/capture',
        '/payment/release',
        '/payment/refund',
        '/payment/ledger',
        '/payment/chaos/distribution',
        '/payment/stats',
        '/payment/chaos',
        '/health',
        '/ready',
        '/metrics',
      ]),
    );
    expect(doc.paths['/payment/ledger']!.get!.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ in: 'query', name: 'orderId', required: true })]),
    );
    expect(doc.paths['/payment/chaos']!.put).toBeDefined();
  });

  it('documents each domain POST with its request schema, headers and error answers', () => {
    expect(bodySchema('/payment/authorize')).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['orderId', 'customerId', 'amount']),
      additionalProperties: false,
    });
    expect(bodySchema('/payment/authorize').properties!.amount).toMatchObject({ type: 'integer' });
    expect(bodySchema('/payment/capture').required).toEqual(['authorizationId']);
    expect(bodySchema('/payment/release').required).toEqual(['authorizationId']);
    expect(bodySchema('/payment/refund').required).toEqual(['captureId']);
    for (const path of ['/payment/authorize', '/payment/capture', '/payment/release', '/payment/refund']) {
      const op = doc.paths[path]!.post!;
      expect(op.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(
        expect.arrayContaining(['header:Idempotency-Key', 'header:X-Chaos-Outcome', 'header:X-Correlation-Id']),
      );
      expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['400', '409', '429', '500', '504']));
    }
    expect(doc.paths['/payment/authorize']!.post!.responses).toHaveProperty('201');
    expect(doc.paths['/payment/authorize']!.post!.responses).toHaveProperty('402');
    expect(doc.components.schemas.Error).toBeDefined();
  });

  it('marks every request body required, and X-Chaos-Outcome as the operation outcomes', () => {
    for (const path of ['/payment/authorize', '/payment/capture', '/payment/release', '/payment/refund'])
      expect(doc.paths[path]!.post!.requestBody!.required).toBe(true);
    expect(doc.paths['/payment/chaos']!.put!.requestBody!.required).toBe(true);
    const forced = (path: string) =>
      doc.paths[path]!.post!.parameters!.find((p) => p.name === 'X-Chaos-Outcome')!.schema!.enum;
    expect(forced('/payment/authorize')).toEqual(
      expect.arrayContaining(['success', 'timeout', 'commit_then_timeout', 'insufficient_funds']),
    );
    expect(forced('/payment/refund')).toContain('already_refunded');
    expect(forced('/payment/refund')).not.toContain('insufficient_funds');
  });

  it('documents chaos config keys as names, which `__proto__` is not', () => {
    const config = resolve(doc.paths['/payment/chaos']!.put!.requestBody!.content['application/json']!.schema);
    const keyPattern = new RegExp(
      (config.properties!.overrides as { propertyNames: { pattern: string } }).propertyNames.pattern,
    );
    expect(keyPattern.test('capture')).toBe(true);
    expect(keyPattern.test('__proto__')).toBe(false);
  });

  it('is generated from the schemas that validate: each documented required field is enforced', async () => {
    const valid: Record<string, unknown> = { orderId: 'ORD-OA', customerId: 'C', amount: 10 };
    for (const field of bodySchema('/payment/authorize').required!) {
      const body = { ...valid };
      delete body[field];
      const res = await svc.post('/payment/authorize', body, forceSuccess);
      expect(res.status).toBe(400);
      expect(res.body.error.param).toBe(field);
    }
    expect((await svc.ledger('ORD-OA')).authorizations).toEqual([]);
  });
});

describe('GET /api/docs', () => {
  it('serves Swagger UI and its assets', async () => {
    const page = await fetch(`${svc.url}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    expect(html).toContain('swagger-ui-bundle.js');
    expect(html).toContain("url: '/openapi.json'");

    const bundle = await fetch(`${svc.url}/api/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/javascript/);
    expect(await bundle.text()).toContain('SwaggerUIBundle');

    const css = await fetch(`${svc.url}/api/docs/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/text\/css/);
    await css.arrayBuffer();
  });

  it('does not serve files outside its asset list', async () => {
    const res = await fetch(`${svc.url}/api/docs/package.json`);
    expect(res.status).toBe(404);
    await res.arrayBuffer();
  });
});
