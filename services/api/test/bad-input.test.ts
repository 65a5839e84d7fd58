/**
 * Money and ids at the API (issue 8 items 1 and 2): amounts that are not whole cents and ids outside
 * the one id rule are 400s naming the field, refused before any Temporal call (Temporal's address
 * refuses connections here, so anything that got through would answer 503/504 instead).
 */
import { getJson, postJson, sampleOrderRequest, startInProcess } from '@fake-stripe/kernel/testing';
import type { JsonReply, Running } from '@fake-stripe/kernel/testing';
import { createApiService, envSchema } from '../src/main.ts';

const MANAGER = 'test-manager-token';
let api: Running;
beforeAll(async () => {
  api = await startInProcess(
    createApiService,
    { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_CALL_TIMEOUT_MS: '1500', MANAGER_TOKEN: MANAGER },
    envSchema,
  );
});
afterAll(() => api?.close());

function expectRefused(res: JsonReply, param: string): void {
  expect({ status: res.status, type: res.body?.error?.type, param: res.body?.error?.param }).toEqual({
    status: 400,
    type: 'invalid_request_error',
    param,
  });
  expect(res.body.error.message).toContain(param);
}

const order = (overrides: Record<string, unknown>) => sampleOrderRequest({ orderId: 'ORD-BAD-INPUT', ...overrides });

describe('POST /api/v1/order: amounts must be whole cents', () => {
  it.each([
    [
      'a 1e-9 price on 5 units beside a 10.00 line (free goods)',
      {
        items: [
          { sku: 'ITEM-001', quantity: 1, price: 10 },
          { sku: 'ITEM-004', quantity: 5, price: 1e-9 },
        ],
        totalAmount: 10,
      },
      'items[1].price',
    ],
    [
      'a price of 29.999999999 (charged as 30.00)',
      { items: [{ sku: 'ITEM-001', quantity: 1, price: 29.999999999 }], totalAmount: 30 },
      'items[0].price',
    ],
    [
      'a price that rounds to 0 (0.004)',
      { items: [{ sku: 'ITEM-001', quantity: 1, price: 0.004 }], totalAmount: 0.01 },
      'items[0].price',
    ],
    [
      'a 1e-9 price with a total of 1e-9 (authorized as 0)',
      { items: [{ sku: 'ITEM-001', quantity: 1, price: 1e-9 }], totalAmount: 1e-9 },
      'items[0].price',
    ],
    ['a total of 1e-9', { items: [{ sku: 'ITEM-001', quantity: 1, price: 0.01 }], totalAmount: 1e-9 }, 'totalAmount'],
    [
      'a total a billionth of a unit off the items (59.980000001)',
      { items: [{ sku: 'ITEM-001', quantity: 2, price: 29.99 }], totalAmount: 59.980000001 },
      'totalAmount',
    ],
  ])('refuses %s', async (_what, overrides, param) => {
    expectRefused(await postJson(`${api.url}/api/v1/order`, order(overrides)), param);
  });
});

describe('POST /api/v1/order: one id rule', () => {
  it.each([
    ['an emoji in the orderId', { orderId: 'ORD-🚀-1' }, 'orderId'],
    ['a control character in the orderId', { orderId: 'ORD-BEL\u0007-1' }, 'orderId'],
    ['a space in the orderId', { orderId: 'ORD 1' }, 'orderId'],
    ['a 65-character orderId', { orderId: 'O'.repeat(65) }, 'orderId'],
    ['a non-ASCII customerId', { customerId: 'CUSTÖ-1' }, 'customerId'],
    ['a quote in the customerId', { customerId: "CUST-O'Neil" }, 'customerId'],
    ['a control character in a SKU', { items: [{ sku: 'ITEM-\u001b1', quantity: 2, price: 29.99 }] }, 'items[0].sku'],
  ])('refuses %s', async (_what, overrides, param) => {
    expectRefused(await postJson(`${api.url}/api/v1/order`, order(overrides)), param);
  });
});

describe('POST /api/v1/workflows/payment', () => {
  const payment = { orderId: 'ORD-BAD-PAY', amount: 12.34, customerId: 'CUST-1' };
  it.each([
    ['an amount of 1e-9', { amount: 1e-9 }, 'amount'],
    ['an amount of 29.999999999', { amount: 29.999999999 }, 'amount'],
    ['an emoji in the orderId', { orderId: 'ORD-🚀-1' }, 'orderId'],
    ['a control character in the customerId', { customerId: 'C\u0007' }, 'customerId'],
  ])('refuses %s', async (_what, overrides, param) => {
    const res = await postJson(`${api.url}/api/v1/workflows/payment`, { ...payment, ...overrides });
    expectRefused(res, param);
  });
});

describe('workflow ids in paths', () => {
  const ids = [encodeURIComponent('order-fulfillment-ORD-🚀-1'), 'order-fulfillment-ORD-BEL%07-1', 'with%20space'];
  it.each(ids.flatMap((id) => ['status', 'progress', 'result'].map((what) => [`/api/v1/order/${id}/${what}`])))(
    'refuses GET %s',
    async (path) => {
      expectRefused(await getJson(`${api.url}${path}`), 'workflowId');
    },
  );

  it.each(ids)('refuses a cancel of workflow %s', async (id) => {
    const res = await postJson(`${api.url}/api/v1/workflows/${id}/cancel`, undefined, {
      authorization: `Bearer ${MANAGER}`,
    });
    expectRefused(res, 'workflowId');
  });

  it.each([
    ['/api/v1/workflows/payment-ORD-1/result?wait=', 'wait'],
    ['/api/v1/order/order-fulfillment-ORD-1/result?wait=%201', 'wait'],
    ['/api/v1/workflows/payment-ORD-1/result?wait=1e2', 'wait'],
    ['/api/v1/orders?pageSize=', 'pageSize'],
    ['/api/v1/orders?pageSize=0x10', 'pageSize'],
  ])('refuses GET %s: a query number is digits only', async (path, param) => {
    expectRefused(await getJson(`${api.url}${path}`), param);
  });

  it('refuses a customerId outside the rule when listing orders', async () => {
    expectRefused(await getJson(`${api.url}/api/v1/orders?customerId=${encodeURIComponent('CUST-🚀')}`), 'customerId');
  });
});
