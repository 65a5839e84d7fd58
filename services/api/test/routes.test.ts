/**
 * The API's own HTTP contract with no Temporal behind it (its address refuses connections): every
 * bad request is refused before any Temporal call (it would otherwise answer 503/504 here), tokens
 * are checked, and the OpenAPI document comes from the validating schemas. The behaviour against a
 * real Temporal server is in tests/api.test.ts.
 */
import { getJson, postJson, sampleOrderRequest, startInProcess } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { customerToken, visibilityStatuses } from '@fake-stripe/kernel';
import { createApiService, envSchema } from '../src/main.ts';

const MANAGER = 'test-manager-token';
const SECRET = 'test-customer-secret';
const noTemporal = { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_CALL_TIMEOUT_MS: '1500', HTTP_TIMEOUT_MS: '500' };

let api: Running;
let noForcing: Running;
let noTokens: Running;
beforeAll(async () => {
  [api, noForcing, noTokens] = await Promise.all([
    startInProcess(
      createApiService,
      { ...noTemporal, MANAGER_TOKEN: MANAGER, CUSTOMER_TOKEN_SECRET: SECRET },
      envSchema,
    ),
    startInProcess(
      createApiService,
      { ...noTemporal, MANAGER_TOKEN: MANAGER, ALLOW_CHAOS_FORCING: 'false' },
      envSchema,
    ),
    startInProcess(createApiService, noTemporal, envSchema),
  ]);
});
afterAll(async () => {
  await Promise.all([api?.close(), noForcing?.close(), noTokens?.close()]);
});

const order = (overrides: Record<string, unknown> = {}) =>
  sampleOrderRequest({ orderId: 'ORD-ROUTES-1', ...overrides });
type Reply = Awaited<ReturnType<typeof getJson>>;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A 4xx in the one error shape, naming `param` (when given). */
function expectError(res: Reply, status: number, code: string, param?: string) {
  expect({ status: res.status, code: res.body?.error?.code, param: res.body?.error?.param }).toEqual({
    status,
    code,
    param,
  });
  expect(res.body.error).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      message: expect.any(String),
      correlation_id: expect.any(String),
    }),
  );
}

describe('POST /api/v1/order (bad input, refused before Temporal)', () => {
  it.each([
    [
      'an amount with three decimals',
      { items: [{ sku: 'ITEM-001', quantity: 1, price: 29.999 }], totalAmount: 29.999 },
      'items[0].price',
    ],
    ['items that do not sum to totalAmount', { totalAmount: 60 }, 'totalAmount'],
    ['a missing orderId', { orderId: undefined }, 'orderId'],
    ['an unknown field', { coupon: 'FREE' }, 'coupon'],
    ['a bad e-mail', { customerEmail: 'nobody' }, 'customerEmail'],
    ['a negative quantity', { items: [{ sku: 'ITEM-001', quantity: -2, price: 29.99 }] }, 'items[0].quantity'],
    ['an unknown fault target', { faults: { chargeTwice: ['timeout'] } }, 'faults.chargeTwice'],
    ['a zero approval timeout', { approvalTimeoutSeconds: 0 }, 'approvalTimeoutSeconds'],
  ])('refuses %s with a 400 naming the field', async (_what, overrides, param) => {
    expectError(await postJson(`${api.url}/api/v1/order`, order(overrides)), 400, 'parameter_invalid', param);
  });

  it('refuses malformed JSON with a 400', async () => {
    const res = await postJson(`${api.url}/api/v1/order`, '{"orderId": "ORD-1",');
    expectError(res, 400, 'invalid_json');
  });

  it('refuses a body that is not an object', async () => {
    expectError(await postJson(`${api.url}/api/v1/order`, [order()]), 400, 'invalid_request');
  });

  it('refuses a fault plan where forcing is disabled, naming faults', async () => {
    const res = await postJson(
      `${noForcing.url}/api/v1/order`,
      order({ faults: { createShippingLabel: ['address_error'] } }),
    );
    expectError(res, 400, 'chaos_forcing_disabled', 'faults');
  });

  it('answers 503/504 in the error shape, not a 500, when Temporal is unreachable', async () => {
    const res = await postJson(`${api.url}/api/v1/order`, order());
    expect([503, 504]).toContain(res.status);
    expect(res.body.error).toMatchObject({ type: 'api_error', code: expect.stringMatching(/^temporal_/) });
  });
});

describe('tokens', () => {
  const approve = (headers: Record<string, string>, target = api) =>
    postJson(`${target.url}/api/v1/order/order-fulfillment-ORD-1/approve`, {}, headers);

  it('answers 401 with WWW-Authenticate to approve/reject/operator without the manager token', async () => {
    for (const path of ['approve', 'reject']) {
      const res = await postJson(`${api.url}/api/v1/order/order-fulfillment-ORD-1/${path}`, { reason: 'x' });
      expectError(res, 401, 'unauthorized');
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    expectError(
      await postJson(`${api.url}/api/v1/order/order-fulfillment-ORD-1/operator`, { action: 'retry' }),
      401,
      'unauthorized',
    );
    expectError(await postJson(`${api.url}/api/v1/workflows/payment-ORD-1/cancel`, {}), 401, 'unauthorized');
  });

  it("refuses a wrong token, and a customer's token for a manager action", async () => {
    expectError(await approve(bearer('not-the-token')), 401, 'unauthorized');
    expectError(await approve(bearer(customerToken(SECRET, 'CUST-001'))), 401, 'unauthorized');
    expectError(await approve({ authorization: MANAGER }), 401, 'unauthorized');
  });

  it('answers 401 to cancel without any bearer token, before looking the order up', async () => {
    expectError(await postJson(`${api.url}/api/v1/order/order-fulfillment-ORD-1/cancel`, {}), 401, 'unauthorized');
  });

  it('answers 403 to manager actions when no MANAGER_TOKEN is configured', async () => {
    expectError(await approve(bearer(MANAGER), noTokens), 403, 'manager_disabled');
  });

  it("derives a customer's token from the secret and the customer id (base64url HMAC-SHA256)", () => {
    const token = customerToken(SECRET, 'CUST-001');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(customerToken(SECRET, 'CUST-001')).toBe(token);
    expect(customerToken(SECRET, 'CUST-002')).not.toBe(token);
    expect(customerToken('another-secret', 'CUST-001')).not.toBe(token);
  });
});

describe('bad path, query and body fields elsewhere', () => {
  it.each([
    ['/api/v1/orders?status=lost', 'status'],
    ['/api/v1/orders?pageSize=0', 'pageSize'],
    ['/api/v1/orders?pageSize=many', 'pageSize'],
    ['/api/v1/orders?pageToken=not%20a%20token', 'pageToken'],
    ['/api/v1/orders?status=shipped&status=failed', 'status'],
    ['/api/v1/orders?sort=desc', 'sort'],
    ['/api/v1/order/order-fulfillment-ORD-1/result?wait=301', 'wait'],
    ['/api/v1/order/order-fulfillment-ORD-1/result?wait=-1', 'wait'],
    ['/api/v1/workflows/payment-ORD-1/result?wait=1.5', 'wait'],
    ['/api/v1/order/bad%01id/status', 'workflowId'],
    [`/api/v1/workflows/${'x'.repeat(256)}/history`, 'workflowId'],
  ])('GET %s → 400 naming %s', async (path, param) => {
    expectError(await getJson(`${api.url}${path}`), 400, 'parameter_invalid', param);
  });

  it('filters the list by visibility status only: a step status is refused with the reason', async () => {
    const step = await getJson(`${api.url}/api/v1/orders?status=capturing`);
    expectError(step, 400, 'parameter_invalid', 'status');
    expect(step.body.error.message).toBe(
      "Invalid query field status: capturing is a step of an order in progress, which the list does not keep: filter by in_progress (an order's status shows its exact step)",
    );
    const unknown = await getJson(`${api.url}/api/v1/orders?status=lost`);
    expect(unknown.body.error.message).toBe(
      'Invalid query field status: must be a visibility status: in_progress, awaiting_approval, compensating, compensation_stuck, shipped, failed, cancelled, rejected',
    );
  });

  it.each([
    ['/api/v1/order/order-fulfillment-ORD-1/operator', { action: 'delete' }, 'action'],
    ['/api/v1/order/order-fulfillment-ORD-1/operator', { action: 'retry', note: 'x' }, 'note'],
    ['/api/v1/order/order-fulfillment-ORD-1/approve', { reason: 42 }, 'reason'],
    ['/api/v1/order/order-fulfillment-ORD-1/reject', { by: 'me' }, 'by'],
    ['/api/v1/workflows/payment', { orderId: 'ORD-P', customerId: 'CUST-1', amount: 10.005 }, 'amount'],
    ['/api/v1/workflows/payment', { orderId: 'ORD-P', customerId: 'CUST-1', amount: -1 }, 'amount'],
    ['/api/v1/workflows/payment', { orderId: '', customerId: 'CUST-1', amount: 1 }, 'orderId'],
  ])('POST %s %j → 400 naming %s', async (path, body, param) => {
    expectError(await postJson(`${api.url}${path}`, body, bearer(MANAGER)), 400, 'parameter_invalid', param);
  });

  it('answers 404 in the error shape for an unknown route', async () => {
    expectError(await getJson(`${api.url}/api/v1/nothing`), 404, 'route_not_found');
  });
});

describe('standard endpoints', () => {
  it('is alive without Temporal, but not ready', async () => {
    expect((await getJson(`${api.url}/health`)).status).toBe(200);
    const ready = await getJson(`${api.url}/ready`);
    expectError(ready, 503, 'not_ready');
  });

  it('answers /metrics without the orders-per-status gauge, not with stale numbers, when Temporal is away', async () => {
    const started = Date.now();
    const res = await fetch(`${api.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('# TYPE fake_stripe_orders_in_status gauge');
    expect(text).not.toMatch(/^fake_stripe_orders_in_status\{/m);
    expect(text).toMatch(/^fake_stripe_http_requests_total\{/m);
    // Bounded by the count's own deadline (2 s), well inside a scrape timeout.
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('documents every endpoint from the validating schemas in /openapi.json', async () => {
    const { body: doc } = await getJson(`${api.url}/openapi.json`);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/order',
        '/api/v1/order/{workflowId}/approve',
        '/api/v1/order/{workflowId}/reject',
        '/api/v1/order/{workflowId}/cancel',
        '/api/v1/order/{workflowId}/operator',
        '/api/v1/order/{workflowId}/status',
        '/api/v1/order/{workflowId}/progress',
        '/api/v1/order/{workflowId}/result',
        '/api/v1/orders',
        '/api/v1/workflows/payment',
        '/api/v1/workflows/{workflowId}/status',
        '/api/v1/workflows/{workflowId}/progress',
        '/api/v1/workflows/{workflowId}/result',
        '/api/v1/workflows/{workflowId}/history',
        '/api/v1/workflows/{workflowId}/cancel',
        '/api/v1/audit',
      ]),
    );
    const create = doc.paths['/api/v1/order'].post;
    expect(create.responses).toHaveProperty('201');
    expect(create.responses).toHaveProperty('409');
    expect(doc.components.schemas.OrderRequest.required).toEqual(
      expect.arrayContaining(['orderId', 'items', 'totalAmount']),
    );
    const statusParams = doc.paths['/api/v1/order/{workflowId}/status'].get.parameters;
    expect(statusParams).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          in: 'path',
          name: 'workflowId',
          schema: expect.objectContaining({ maxLength: 255 }),
        }),
      ]),
    );
    // The long polls document their 202 (still running) beside the 200.
    for (const path of ['/api/v1/order/{workflowId}/result', '/api/v1/workflows/{workflowId}/result'])
      expect(Object.keys(doc.paths[path].get.responses)).toEqual(expect.arrayContaining(['200', '202']));
    // Every body is required but the signals', whose reason is optional.
    expect(create.requestBody.required).toBe(true);
    expect(doc.paths['/api/v1/order/{workflowId}/cancel'].post.requestBody.required).toBe(false);
    const listParams = doc.paths['/api/v1/orders'].get.parameters.map((p: { name: string }) => p.name);
    expect(listParams).toEqual(expect.arrayContaining(['status', 'customerId', 'pageToken', 'pageSize']));
    // The list filters by, and answers, the kernel's visibility statuses: one schema for both.
    expect(doc.components.schemas.VisibilityStatus.enum).toEqual([...visibilityStatuses]);
    expect(doc.components.schemas.OrderSummary.properties.status).toEqual({
      description: expect.stringContaining('visibility status'),
      anyOf: [{ $ref: '#/components/schemas/VisibilityStatus' }, { type: 'null' }],
    });
  });
});
