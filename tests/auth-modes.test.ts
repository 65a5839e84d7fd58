/**
 * The auth modes at the real HTTP boundary: the platform under AUTH=strict (the domain services, a
 * worker sending SERVICE_TOKEN, and the API with manager and customer tokens), plus an API under
 * AUTH=open against it. Strict: reads need the order's customer's or a manager's token, the payment
 * workflow a manager's, and a domain write without the service token writes nothing; the worker's
 * orders and the auditor's ledger reads still go through. Open: the same reads and starts need none.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { getJson, postJson, repoRoot, sampleOrderRequest, tempDir } from '@fake-stripe/kernel/testing';
import type { JsonReply, Running } from '@fake-stripe/kernel/testing';
import { customerToken } from '@fake-stripe/kernel';
import { orderWorkflowId, paymentWorkflowId } from '@fake-stripe/kernel/workflow-definitions';
import { startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

const SERVICE_TOKEN = 'test-service-token';
const MANAGER = 'test-manager-token';
const SECRET = 'test-customer-secret';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const manager = bearer(MANAGER);
const asCustomer = (customerId: string) => bearer(customerToken(SECRET, customerId));
const service = bearer(SERVICE_TOKEN);

let p: Platform;
let strict: Running;
let open: Running;
/** One shipped order of CUST-A, started by its customer under AUTH=strict. */
let orderId: string;

const newOrderId = (): string => `ORD-${randomUUID().slice(0, 8)}`;
const statusCode = (res: JsonReply) => ({ status: res.status, code: res.body?.error?.code });
const orderPath = (id: string, what: string) => `/api/v1/order/${encodeURIComponent(orderWorkflowId(id))}/${what}`;
const workflowPath = (id: string, what: string) =>
  `/api/v1/workflows/${encodeURIComponent(orderWorkflowId(id))}/${what}`;

beforeAll(async () => {
  p = await startPlatform({ serviceToken: SERVICE_TOKEN });
  await p.startWorker();
  const tokens = { MANAGER_TOKEN: MANAGER, CUSTOMER_TOKEN_SECRET: SECRET, SERVICE_TOKEN };
  [strict, open] = await Promise.all([
    p.startApi({ ...tokens, AUTH: 'strict' }),
    // An open API's auditor still reads strict ledgers with the service token.
    p.startApi({ ...tokens, AUTH: 'open' }),
  ]);
  orderId = newOrderId();
  const started = await postJson(
    `${strict.url}/api/v1/order`,
    sampleOrderRequest({ orderId, customerId: 'CUST-A' }),
    asCustomer('CUST-A'),
  );
  expect(started.status).toBe(201);
  const result = await getJson(`${strict.url}${orderPath(orderId, 'result')}?wait=30`, manager);
  expect(result.body.result?.status).toBe('shipped');
}, 120_000);
afterAll(() => p?.stop(), 60_000);

describe('AUTH=strict: reads', () => {
  const reads = () => [
    orderPath(orderId, 'status'),
    orderPath(orderId, 'progress'),
    `${orderPath(orderId, 'result')}?wait=0`,
    workflowPath(orderId, 'status'),
    workflowPath(orderId, 'progress'),
    workflowPath(orderId, 'result'),
    workflowPath(orderId, 'history'),
  ];

  it('answers 401 without a token, 403 with another customer or a forged token', async () => {
    for (const path of reads()) {
      expect({ path, ...statusCode(await getJson(`${strict.url}${path}`)) }).toEqual({
        path,
        status: 401,
        code: 'unauthorized',
      });
      for (const headers of [asCustomer('CUST-B'), bearer('forged'), service])
        expect({ path, ...statusCode(await getJson(`${strict.url}${path}`, headers)) }).toEqual({
          path,
          status: 403,
          code: 'forbidden',
        });
    }
  });

  it("answers 200 to the order's customer and to a manager", async () => {
    for (const path of reads())
      for (const headers of [asCustomer('CUST-A'), manager])
        expect({ path, status: (await getJson(`${strict.url}${path}`, headers)).status }).toEqual({
          path,
          status: 200,
        });
    expect((await getJson(`${strict.url}${orderPath(orderId, 'status')}`, asCustomer('CUST-A'))).body.status).toBe(
      'shipped',
    );
  });

  it("lists a customer's own orders to that customer, every order to a manager", async () => {
    const list = (query: string, headers?: Record<string, string>) =>
      getJson(`${strict.url}/api/v1/orders${query}`, headers);
    expect(statusCode(await list('?customerId=CUST-A'))).toEqual({ status: 401, code: 'unauthorized' });
    expect(statusCode(await list('?customerId=CUST-A', asCustomer('CUST-B')))).toEqual({
      status: 403,
      code: 'forbidden',
    });
    expect(statusCode(await list('', asCustomer('CUST-A')))).toEqual({ status: 403, code: 'forbidden' });
    expect((await list('?customerId=CUST-A', asCustomer('CUST-A'))).status).toBe(200);
    expect((await list('', manager)).status).toBe(200);
  });

  it('gives the audit to a manager only, and the auditor reads the ledgers with the service token', async () => {
    expect(statusCode(await getJson(`${strict.url}/api/v1/audit`))).toEqual({ status: 401, code: 'unauthorized' });
    expect(statusCode(await getJson(`${strict.url}/api/v1/audit`, asCustomer('CUST-A')))).toEqual({
      status: 403,
      code: 'forbidden',
    });
    const audit = await getJson(`${strict.url}/api/v1/audit`, manager);
    expect(audit.status).toBe(200);
    expect(audit.body).toMatchObject({ ok: true, violations: [] });
    expect(audit.body.checkedOrders).toBeGreaterThanOrEqual(1);
  });
});

describe('AUTH=strict: starts', () => {
  it("starts an order only with its customer's or a manager's token", async () => {
    const body = () => sampleOrderRequest({ orderId: newOrderId(), customerId: 'CUST-A' });
    const url = `${strict.url}/api/v1/order`;
    expect(statusCode(await postJson(url, body()))).toEqual({ status: 401, code: 'unauthorized' });
    expect(statusCode(await postJson(url, body(), asCustomer('CUST-B')))).toEqual({ status: 403, code: 'forbidden' });
    expect((await postJson(url, body(), manager)).status).toBe(201);
  });

  it('starts the payment workflow only with a manager token, and nothing is charged otherwise', async () => {
    const id = newOrderId();
    const body = { orderId: id, amount: 6500, customerId: 'CUST-A' };
    const url = `${strict.url}/api/v1/workflows/payment`;
    expect(statusCode(await postJson(url, body))).toEqual({ status: 401, code: 'unauthorized' });
    expect(statusCode(await postJson(url, body, asCustomer('CUST-A')))).toEqual({ status: 401, code: 'unauthorized' });
    expect(statusCode(await postJson(url, body, service))).toEqual({ status: 401, code: 'unauthorized' });
    await expect(p.env.client.workflow.getHandle(paymentWorkflowId(id)).describe()).rejects.toThrow();
    expect((await postJson(url, body, manager)).status).toBe(201);
    const result = await getJson(
      `${strict.url}/api/v1/workflows/${encodeURIComponent(paymentWorkflowId(id))}/result?wait=30`,
      asCustomer('CUST-A'),
    );
    expect(result.status).toBe(200);
    expect(result.body.result).toMatchObject({ status: 'charged' });
  });
});

describe('AUTH=strict: domain services', () => {
  const ledger = async (id: string) =>
    (await getJson(`${p.urls.payment}/payment/ledger?orderId=${encodeURIComponent(id)}`, service)).body;

  it('refuses a write without the service token with 401 and writes nothing to the ledger', async () => {
    const hold = { orderId, customerId: 'CUST-A', amount: 65_000_000, currency: 'usd' };
    const before = await ledger(orderId);
    expect(before.authorizations).toHaveLength(1);
    for (const headers of [{}, manager, asCustomer('CUST-A'), bearer('forged')]) {
      const res = await postJson(`${p.urls.payment}/payment/authorize`, hold, headers);
      expect(statusCode(res)).toEqual({ status: 401, code: 'unauthorized' });
    }
    const res = await postJson(`${p.urls.inventory}/inventory/reserve`, {
      orderId,
      items: [{ sku: 'ITEM-001', quantity: 1 }],
    });
    expect(statusCode(res)).toEqual({ status: 401, code: 'unauthorized' });
    expect(await ledger(orderId)).toEqual(before);
    const audit = await getJson(`${strict.url}/api/v1/audit`, manager);
    expect(audit.body.violations).toEqual([]);
  });

  it('answers ledgers only to the service token', async () => {
    for (const [url, domain] of [
      [p.urls.payment, 'payment'],
      [p.urls.inventory, 'inventory'],
      [p.urls.shipping, 'shipping'],
      [p.urls.notification, 'notification'],
    ] as const) {
      const path = `${url}/${domain}/ledger?orderId=${orderId}`;
      expect({ domain, ...statusCode(await getJson(path, manager)) }).toEqual({
        domain,
        status: 401,
        code: 'unauthorized',
      });
      expect({ domain, status: (await getJson(path, service)).status }).toEqual({ domain, status: 200 });
    }
  });

  it("documents the service token on the domain's writes and ledger in /openapi.json", async () => {
    const doc = (await getJson(`${p.urls.payment}/openapi.json`)).body;
    for (const path of ['/payment/authorize', '/payment/capture', '/payment/release', '/payment/refund'])
      expect(doc.paths[path].post.security).toEqual([{ service: [] }]);
    expect(doc.paths['/payment/ledger'].get.security).toEqual([{ service: [] }]);
    expect(doc.paths['/payment/chaos'].put.security).toEqual([{ admin: [] }]);
  });
});

describe('AUTH=strict: the API document', () => {
  it('says which routes need which token', async () => {
    const doc = (await getJson(`${strict.url}/openapi.json`)).body;
    const readers = [{ manager: [] }, { customer: [] }];
    expect(doc.paths['/api/v1/order/{workflowId}/status'].get.security).toEqual(readers);
    expect(doc.paths['/api/v1/workflows/{workflowId}/history'].get.security).toEqual(readers);
    expect(doc.paths['/api/v1/orders'].get.security).toEqual(readers);
    expect(doc.paths['/api/v1/order'].post.security).toEqual(readers);
    expect(doc.paths['/api/v1/workflows/payment'].post.security).toEqual([{ manager: [] }]);
    expect(doc.paths['/api/v1/order/{workflowId}/approve'].post.security).toEqual([{ manager: [] }]);
    expect(doc.paths['/api/v1/order/{workflowId}/status'].get.responses['403']).toBeDefined();
    // service: the worker's scheduled audit reads GET /api/v1/audit with the service token.
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['customer', 'manager', 'service']);
  });
});

describe('AUTH=open', () => {
  it('answers reads, the list and the audit without a token', async () => {
    for (const path of [
      orderPath(orderId, 'status'),
      workflowPath(orderId, 'history'),
      '/api/v1/orders',
      '/api/v1/audit',
    ])
      expect({ path, status: (await getJson(`${open.url}${path}`)).status }).toEqual({ path, status: 200 });
  });

  it('starts the payment workflow and an order without a token', async () => {
    const paid = await postJson(`${open.url}/api/v1/workflows/payment`, {
      orderId: newOrderId(),
      amount: 10,
      customerId: 'CUST-A',
    });
    expect(paid.status).toBe(201);
    expect((await postJson(`${open.url}/api/v1/order`, sampleOrderRequest({ orderId: newOrderId() }))).status).toBe(
      201,
    );
  });

  it('documents no token on reads, and the manager token on manager actions', async () => {
    const doc = (await getJson(`${open.url}/openapi.json`)).body;
    expect(doc.paths['/api/v1/order/{workflowId}/status'].get.security).toBeUndefined();
    expect(doc.paths['/api/v1/workflows/payment'].post.security).toBeUndefined();
    expect(doc.paths['/api/v1/order/{workflowId}/approve'].post.security).toEqual([{ manager: [] }]);
  });
});

describe('start-up under AUTH=strict', () => {
  it.each([
    ['the API', 'services/api/src/main.ts'],
    ['a domain service', 'services/payment/src/main.ts'],
    ['the worker', 'services/worker/src/main.ts'],
  ])('stops %s without SERVICE_TOKEN, naming it', (_what, main) => {
    const data = tempDir('fake-stripe-auth-');
    const run = spawnSync(process.execPath, [join(repoRoot, main)], {
      cwd: repoRoot,
      env: {
        ...process.env,
        AUTH: 'strict',
        SERVICE_TOKEN: '',
        DATA_DIR: data.dir,
        PORT: '0',
        HOST: '127.0.0.1',
        TEMPORAL_ADDRESS: '127.0.0.1:1',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    data.remove();
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('SERVICE_TOKEN: required when AUTH=strict');
  });
});
