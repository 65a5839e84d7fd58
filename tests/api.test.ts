/**
 * The REST API against the real platform: a Temporal dev server, the four domain services and a
 * worker (tests/harness.ts), with the API in-process on an ephemeral port pointed at them. Every
 * test starts the orders it reads, so each one also runs alone (`npm test -- tests/api.test.ts -t …`).
 */
import { randomUUID } from 'node:crypto';
import { eventually, getJson, postJson, sampleOrderRequest, upsertedOrderStatuses } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { customerToken } from '@fake-stripe/kernel';
import {
  CustomerIdKey,
  ORDER_WORKFLOW,
  OrderIdKey,
  OrderStatusKey,
  orderWorkflowId,
} from '@fake-stripe/kernel/workflow-definitions';
import type { orderFulfillmentWorkflow } from '@fake-stripe/worker/workflows';
import { WorkflowNotFoundError } from '@temporalio/client';
import { orderInput, startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

const MANAGER = 'test-manager-token';
const SECRET = 'test-customer-secret';
const manager = { authorization: `Bearer ${MANAGER}` };
const asCustomer = (customerId: string) => ({ authorization: `Bearer ${customerToken(SECRET, customerId)}` });

let p: Platform;
let api: Running;
let noForcing: Running;

beforeAll(async () => {
  // Labels take 1.5 s, so a status read can catch the label step's heartbeat progress.
  p = await startPlatform({ labelMs: 1_500 });
  await p.startWorker();
  const env = { MANAGER_TOKEN: MANAGER, CUSTOMER_TOKEN_SECRET: SECRET };
  [api, noForcing] = await Promise.all([p.startApi(env), p.startApi({ ...env, ALLOW_CHAOS_FORCING: 'false' })]);
}, 120_000);
afterAll(() => p?.stop(), 60_000);

const newOrderId = (): string => `ORD-${randomUUID().slice(0, 8)}`;
const order = (overrides: Record<string, unknown> = {}) =>
  sampleOrderRequest({ orderId: newOrderId(), ...overrides }) as { orderId: string };

const get = (path: string, headers?: Record<string, string>) => getJson(`${api.url}${path}`, headers);
const post = (path: string, body: unknown = {}, headers?: Record<string, string>) =>
  postJson(`${api.url}${path}`, body, headers);
const orderPath = (orderId: string, what: string) =>
  `/api/v1/order/${encodeURIComponent(orderWorkflowId(orderId))}/${what}`;

/** Polls `read` until `ok` holds (bounded); search attributes and visibility are eventually consistent. */
const until = <T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> =>
  eventually(read, String(ok), { until: ok, timeoutMs, intervalMs: 100 });

const statusOf = (orderId: string) => get(orderPath(orderId, 'status'));
const awaitingApproval = (orderId: string) =>
  until(
    () => statusOf(orderId),
    (r) => r.body?.status === 'awaiting_approval',
  );
const finalState = async (orderId: string) => {
  const res = await get(`${orderPath(orderId, 'result')}?wait=30`);
  expect(res.status).toBe(200);
  expect(res.body.status).toBe('completed');
  return res.body.result;
};
const signals = async (orderId: string) =>
  (await get(`/api/v1/workflows/${orderWorkflowId(orderId)}/history`)).body.events.filter(
    (e: { eventType: string }) => e.eventType === 'WorkflowExecutionSignaled',
  );
const noWorkflow = (workflowId: string) =>
  expect(p.env.client.workflow.getHandle(workflowId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
const compensations = (state: { compensations: Array<{ step: string; outcome: string }> }) =>
  state.compensations.map((c) => [c.step, c.outcome]);
/** Starts an order and expects the 201. */
const start = async (body: { orderId: string }) => {
  const res = await post('/api/v1/order', body);
  expect(res.status).toBe(201);
  return res;
};

interface ShippedOrder {
  orderId: string;
  customerId: string;
  runId: string;
}
let shipped: Promise<ShippedOrder> | undefined;
/**
 * One shipped order for the tests that only read one: started by whichever of them runs first and
 * shared after, so each still runs alone.
 */
const shippedOrder = (): Promise<ShippedOrder> =>
  (shipped ??= (async () => {
    const customerId = `CUST-SHIPPED-${randomUUID().slice(0, 8)}`;
    const body = order({ customerId });
    const res = await start(body);
    expect((await finalState(body.orderId)).status).toBe('shipped');
    return { orderId: body.orderId, customerId, runId: res.body.runId };
  })());

describe('POST /api/v1/order', () => {
  it('starts an order whose status, progress and result follow it to shipped', async () => {
    const body = order();
    const res = await post('/api/v1/order', body);
    const workflowId = orderWorkflowId(body.orderId);
    const statusUrl = `/api/v1/order/${encodeURIComponent(workflowId)}/status`;
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ workflowId, runId: expect.any(String), statusUrl });
    expect(res.headers.get('location')).toBe(statusUrl);

    // While the label is being made, its heartbeat shows in the step's and the order's progress.
    const mid = await until(
      () => statusOf(body.orderId),
      (r) => r.body.currentStep === 'ship' && r.body.currentStepProgress > 0,
    );
    expect(mid.body.currentStepProgress).toBeLessThan(100);
    expect(mid.body.progress).toBeGreaterThan(50);
    expect(mid.body.progress).toBeLessThan(90);

    const result = await finalState(body.orderId);
    expect(result).toMatchObject({ orderId: body.orderId, status: 'shipped', progress: 100, compensations: [] });
    const status = await statusOf(body.orderId);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      status: 'shipped',
      completedSteps: ['authorize', 'reserve', 'capture', 'ship', 'notify'],
      progress: 100,
      currentStepProgress: 0,
      trackingNumber: result.trackingNumber,
    });
    expect((await get(orderPath(body.orderId, 'progress'))).body).toEqual({ progress: 100 });
    // A closed order's result needs no waiting.
    expect(await get(`${orderPath(body.orderId, 'result')}?wait=0`)).toMatchObject({
      status: 200,
      body: { status: 'completed', result },
    });
  });

  it('is ready while Temporal answers', async () => {
    expect(await get('/ready')).toMatchObject({ status: 200, body: { status: 'ready', service: 'api' } });
  });

  it('shows the execution, its search attributes and its history through the generic endpoints', async () => {
    const { orderId, customerId, runId } = await shippedOrder();
    const workflowId = orderWorkflowId(orderId);
    const status = await get(`/api/v1/workflows/${workflowId}/status`);
    expect(status.body).toMatchObject({
      workflowId,
      runId,
      type: 'orderFulfillmentWorkflow',
      status: 'COMPLETED',
      taskQueue: p.taskQueue,
      closeTime: expect.any(String),
      searchAttributes: { OrderId: orderId, CustomerId: customerId, OrderStatus: 'shipped', TotalAmount: 59.98 },
      order: { status: 'shipped', progress: 100 },
    });
    expect((await get(`/api/v1/workflows/${workflowId}/progress`)).body).toEqual({ progress: 100 });
    const { events } = (await get(`/api/v1/workflows/${workflowId}/history`)).body;
    expect(events[0]).toEqual({
      eventId: 1,
      eventType: 'WorkflowExecutionStarted',
      time: expect.stringMatching(/^\d{4}-.*Z$/),
    });
    expect(events.at(-1).eventType).toBe('WorkflowExecutionCompleted');
    expect(events.map((e: { eventId: number }) => e.eventId)).toEqual(events.map((_: unknown, i: number) => i + 1));
    // authorize, the fraud check (screenOrder, behind its patch), reserve, capture, ship, notify.
    expect(events.filter((e: { eventType: string }) => e.eventType === 'ActivityTaskCompleted')).toHaveLength(6);
  });

  it('refuses a duplicate orderId with a 409 naming the existing workflow, and starts no second run', async () => {
    const { orderId, customerId, runId } = await shippedOrder();
    const res = await post('/api/v1/order', order({ orderId, customerId }));
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'order_exists', param: 'orderId' });
    expect(res.body.error.message).toContain(orderWorkflowId(orderId));
    expect(res.headers.get('location')).toBe(`/api/v1/order/${orderWorkflowId(orderId)}/status`);
    const d = await p.env.client.workflow.getHandle(orderWorkflowId(orderId)).describe();
    expect({ runId: d.runId, status: d.status.name }).toEqual({ runId, status: 'COMPLETED' });
  });

  it('refuses bad input with a 400 naming the field, and starts no workflow', async () => {
    const cases: Array<[string, () => ReturnType<typeof getJson>, string | undefined]> = [];
    const ids = Array.from({ length: 4 }, newOrderId);
    cases.push([ids[0]!, () => post('/api/v1/order', `{"orderId":"${ids[0]}","customerId":"CUST-001",`), undefined]);
    cases.push([
      ids[1]!,
      () =>
        post(
          '/api/v1/order',
          order({ orderId: ids[1], items: [{ sku: 'ITEM-001', quantity: 1, price: 59.985 }], totalAmount: 59.985 }),
        ),
      'items[0].price',
    ]);
    cases.push([ids[2]!, () => post('/api/v1/order', order({ orderId: ids[2], totalAmount: 59.99 })), 'totalAmount']);
    cases.push([
      ids[3]!,
      () =>
        postJson(`${noForcing.url}/api/v1/order`, order({ orderId: ids[3], faults: { capturePayment: ['timeout'] } })),
      'faults',
    ]);
    for (const [orderId, send, param] of cases) {
      const res = await send();
      expect({ status: res.status, param: res.body.error.param }).toEqual({ status: 400, param });
      await noWorkflow(orderWorkflowId(orderId));
    }
  });

  it('answers 404 for an unknown workflow id on every order and workflow endpoint', async () => {
    const id = 'order-fulfillment-ORD-NOPE';
    const answers = await Promise.all([
      get(`/api/v1/order/${id}/status`),
      get(`/api/v1/order/${id}/progress`),
      get(`/api/v1/order/${id}/result?wait=0`),
      post(`/api/v1/order/${id}/approve`, {}, manager),
      post(`/api/v1/order/${id}/reject`, {}, manager),
      post(`/api/v1/order/${id}/cancel`, {}, manager),
      post(`/api/v1/order/${id}/operator`, { action: 'retry' }, manager),
      get(`/api/v1/workflows/${id}/status`),
      get(`/api/v1/workflows/${id}/progress`),
      get(`/api/v1/workflows/${id}/result?wait=0`),
      get(`/api/v1/workflows/${id}/history`),
      post(`/api/v1/workflows/${id}/cancel`, {}, manager),
    ]);
    for (const res of answers) {
      expect({ status: res.status, code: res.body.error?.code, param: res.body.error?.param }).toEqual({
        status: 404,
        code: 'resource_missing',
        param: 'workflowId',
      });
    }
  });
});

describe('manager approval (signals) and the operator Update', () => {
  it('approves only with the manager token; refused tokens deliver no signal', async () => {
    const body = order({ requiresApproval: true, approvalTimeoutSeconds: 60 });
    expect((await post('/api/v1/order', body)).status).toBe(201);
    const waiting = await awaitingApproval(body.orderId);
    expect(waiting.body).toMatchObject({
      currentStep: 'approval',
      completedSteps: ['authorize'],
      currentStepProgress: 0,
    });
    expect(await get(`${orderPath(body.orderId, 'result')}?wait=0`)).toMatchObject({
      status: 202,
      body: { status: 'running' },
    });

    for (const headers of [{}, { authorization: 'Bearer wrong' }, asCustomer('CUST-001')]) {
      const res = await post(orderPath(body.orderId, 'approve'), {}, headers);
      expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 401, code: 'unauthorized' });
    }
    expect(await signals(body.orderId)).toEqual([]);
    expect((await statusOf(body.orderId)).body.status).toBe('awaiting_approval');

    // The operator Update's validator refuses: the order is not compensation_stuck.
    const refused = await post(orderPath(body.orderId, 'operator'), { action: 'resolve' }, manager);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'update_rejected',
      message: expect.stringContaining('awaiting_approval, not compensation_stuck'),
    });

    const approved = await post(orderPath(body.orderId, 'approve'), { reason: 'looks fine' }, manager);
    expect(approved).toMatchObject({
      status: 202,
      body: { workflowId: orderWorkflowId(body.orderId), signal: 'approve' },
    });
    const result = await finalState(body.orderId);
    expect(result).toMatchObject({ status: 'shipped', approval: { approved: true, by: 'manager' } });
    expect(await signals(body.orderId)).toHaveLength(1);

    const again = await post(orderPath(body.orderId, 'approve'), {}, manager);
    expect({ status: again.status, code: again.body.error.code }).toEqual({
      status: 409,
      code: 'order_not_awaiting_approval',
    });
    const late = await post(orderPath(body.orderId, 'operator'), { action: 'retry' }, manager);
    expect(late.body.error).toMatchObject({
      code: 'update_rejected',
      message: 'order is shipped, not compensation_stuck',
    });
  });

  it('rejects: the order releases its hold and ends rejected', async () => {
    const body = order({ requiresApproval: true, approvalTimeoutSeconds: 60 });
    await post('/api/v1/order', body);
    await awaitingApproval(body.orderId);
    const res = await post(orderPath(body.orderId, 'reject'), { reason: 'too risky' }, manager);
    expect(res).toMatchObject({ status: 202, body: { signal: 'reject' } });
    const result = await finalState(body.orderId);
    expect(result).toMatchObject({
      status: 'rejected',
      failure: { step: 'approval', type: 'rejected', message: 'too risky' },
    });
    expect(compensations(result)).toEqual([['releaseAuthorization', 'released']]);
    const ledger = (await getJson(`${p.urls.payment}/payment/ledger?orderId=${body.orderId}`)).body;
    expect(ledger.authorizations.map((a: { status: string }) => a.status)).toEqual(['released']);
  });

  it("cancels with the order's customer's token; another customer's is refused", async () => {
    const body = order({ customerId: 'CUST-CANCEL', requiresApproval: true, approvalTimeoutSeconds: 60 });
    await post('/api/v1/order', body);
    await awaitingApproval(body.orderId);
    for (const headers of [{}, asCustomer('CUST-OTHER')]) {
      const res = await post(orderPath(body.orderId, 'cancel'), {}, headers);
      expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 401, code: 'unauthorized' });
    }
    expect(await signals(body.orderId)).toEqual([]);
    const res = await post(orderPath(body.orderId, 'cancel'), { reason: 'changed my mind' }, asCustomer('CUST-CANCEL'));
    expect(res).toMatchObject({ status: 202, body: { signal: 'cancel' } });
    const result = await finalState(body.orderId);
    expect(result).toMatchObject({
      status: 'cancelled',
      failure: { message: 'cancelled by customer:CUST-CANCEL: changed my mind' },
    });
    expect(compensations(result)).toEqual([['releaseAuthorization', 'released']]);
    const again = await post(orderPath(body.orderId, 'cancel'), {}, asCustomer('CUST-CANCEL'));
    expect({ status: again.status, code: again.body.error.code }).toEqual({
      status: 409,
      code: 'order_not_cancellable',
    });
  });

  it('cancels a running workflow through the generic endpoint (manager only); a closed one is a 409', async () => {
    const body = order({ requiresApproval: true, approvalTimeoutSeconds: 60 });
    await post('/api/v1/order', body);
    await awaitingApproval(body.orderId);
    const path = `/api/v1/workflows/${orderWorkflowId(body.orderId)}/cancel`;
    expect((await post(path, {}, asCustomer('CUST-001'))).status).toBe(401);
    expect(await post(path, {}, manager)).toMatchObject({ status: 202, body: { cancelRequested: true } });
    const result = await finalState(body.orderId);
    expect(result).toMatchObject({ status: 'cancelled' });
    expect(compensations(result)).toEqual([['releaseAuthorization', 'released']]);
    const again = await post(path, {}, manager);
    expect({ status: again.status, code: again.body.error.code }).toEqual({ status: 409, code: 'workflow_closed' });
  });
});

describe('GET /api/v1/orders', () => {
  it('lists by customer and by status through the search attributes, page by page', async () => {
    // A customer of its own, so the listing finds exactly this test's orders (quotes are outside the id rule).
    const customerId = `CUST-O.Neil-${randomUUID().slice(0, 8)}`;
    const shippedBody = order({ customerId });
    // Nobody approves it: after a second it is rejected (approval timed out) and its hold released.
    const rejectedBody = order({ customerId, requiresApproval: true, approvalTimeoutSeconds: 1 });
    await Promise.all([start(shippedBody), start(rejectedBody)]);
    expect((await finalState(shippedBody.orderId)).status).toBe('shipped');
    expect((await finalState(rejectedBody.orderId)).status).toBe('rejected');
    const shippedId = shippedBody.orderId;

    const q = (extra = '') => get(`/api/v1/orders?customerId=${encodeURIComponent(customerId)}${extra}`);
    const all = await until(
      q,
      (r) => r.body.orders.length === 2 && r.body.orders.every((o: { closeTime: string | null }) => o.closeTime),
    );
    expect(all.body.orders.map((o: { status: string }) => o.status).sort()).toEqual(['rejected', 'shipped']);
    const shipped = all.body.orders.find((o: { orderId: string }) => o.orderId === shippedId);
    expect(shipped).toEqual({
      workflowId: orderWorkflowId(shippedId),
      orderId: shippedId,
      customerId,
      status: 'shipped',
      totalAmount: 59.98,
      startTime: expect.stringMatching(/Z$/),
      closeTime: expect.stringMatching(/Z$/),
    });

    const onlyShipped = await q('&status=shipped');
    expect(onlyShipped.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([shippedId]);
    const none = await q('&status=failed');
    expect(none.body).toEqual({ orders: [], nextPageToken: null });

    const seen: string[] = [];
    let token: string | null = null;
    let pages = 0;
    do {
      const page: { body: { orders: Array<{ orderId: string }>; nextPageToken: string | null } } = await q(
        `&pageSize=1${token ? `&pageToken=${token}` : ''}`,
      );
      expect(page.body.orders.length).toBeLessThanOrEqual(1);
      seen.push(...page.body.orders.map((o) => o.orderId));
      token = page.body.nextPageToken;
      pages++;
    } while (token && pages < 5);
    expect(seen.sort()).toEqual(all.body.orders.map((o: { orderId: string }) => o.orderId).sort());
    expect(pages).toBeGreaterThanOrEqual(2);
  });

  it('lists and filters by visibility status; the workflow upserts only when that changes', async () => {
    const customerId = `CUST-VIS-${randomUUID().slice(0, 8)}`;
    const listed = (status: string) =>
      get(`/api/v1/orders?status=${status}&customerId=${encodeURIComponent(customerId)}`);
    const body = order({ customerId, requiresApproval: true });
    await start(body);
    await awaitingApproval(body.orderId);
    const waiting = await until(
      () => listed('awaiting_approval'),
      (r) => r.body.orders.length === 1,
    );
    expect(waiting.body.orders[0]).toMatchObject({ orderId: body.orderId, status: 'awaiting_approval' });
    expect((await post(orderPath(body.orderId, 'approve'), {}, manager)).status).toBe(202);
    expect((await finalState(body.orderId)).status).toBe('shipped');
    await until(
      () => listed('shipped'),
      (r) => r.body.orders.length === 1,
    );
    // Started in_progress by the API; through authorize, approval, reserve, capture, ship and notify
    // the attribute changed three times, where every step used to write it.
    const history = await p.env.client.workflow.getHandle(orderWorkflowId(body.orderId)).fetchHistory();
    expect(upsertedOrderStatuses(history)).toEqual(['awaiting_approval', 'in_progress', 'shipped']);

    // An order whose attribute still says a step (as orders started before the coarse statuses do),
    // on a task queue no worker polls so it stays there: listed, and found, as in_progress.
    const legacy = orderInput({ orderId: newOrderId(), customerId });
    const handle = await p.env.client.workflow.start<typeof orderFulfillmentWorkflow>(ORDER_WORKFLOW, {
      args: [legacy],
      taskQueue: `no-worker-${legacy.orderId}`,
      workflowId: orderWorkflowId(legacy.orderId),
      typedSearchAttributes: [
        { key: OrderIdKey, value: legacy.orderId },
        { key: CustomerIdKey, value: customerId },
        { key: OrderStatusKey, value: 'capturing' },
      ],
    });
    try {
      const inProgress = await until(
        () => listed('in_progress'),
        (r) => r.body.orders.length === 1,
      );
      expect(inProgress.body.orders[0]).toMatchObject({ orderId: legacy.orderId, status: 'in_progress' });
      const step = await listed('capturing');
      expect({ status: step.status, param: step.body.error.param }).toEqual({ status: 400, param: 'status' });
    } finally {
      await handle.terminate('test done');
    }
  });

  it('refuses a page token it did not hand out', async () => {
    // Two orders at least, so a page of one has a next page.
    const declined = order({ faults: { authorizePayment: ['insufficient_funds'] } });
    await Promise.all([shippedOrder(), start(declined)]);
    const first = await until(
      () => get('/api/v1/orders?pageSize=1'),
      (r) => r.body.nextPageToken !== null,
    );
    expect(first.body.nextPageToken).toEqual(expect.any(String));
    // A forged token, and a real one used with other filters.
    for (const query of ['pageToken=abc.bm90LWEtdG9rZW4', `status=failed&pageToken=${first.body.nextPageToken}`]) {
      const res = await get(`/api/v1/orders?${query}`);
      expect({ status: res.status, param: res.body.error.param }).toEqual({ status: 400, param: 'pageToken' });
    }
  });
});

describe('POST /api/v1/workflows/payment', () => {
  it('charges through paymentWorkflow, readable through the generic endpoints only', async () => {
    const orderId = newOrderId();
    const res = await post('/api/v1/workflows/payment', { orderId, amount: 12.34, customerId: 'CUST-PAY' });
    const workflowId = `payment-${orderId}`;
    expect(res).toMatchObject({
      status: 201,
      body: { workflowId, statusUrl: `/api/v1/workflows/${workflowId}/status` },
    });
    const result = await get(`/api/v1/workflows/${workflowId}/result?wait=30`);
    expect(result.body).toMatchObject({ status: 'completed', result: { status: 'charged', orderId } });
    const status = (await get(`/api/v1/workflows/${workflowId}/status`)).body;
    expect(status).toMatchObject({
      type: 'paymentWorkflow',
      status: 'COMPLETED',
      searchAttributes: { OrderId: orderId, CustomerId: 'CUST-PAY' },
    });
    expect(status).not.toHaveProperty('order');
    expect((await get(`/api/v1/workflows/${workflowId}/progress`)).body).toEqual({ progress: 100 });
    const ledger = (await getJson(`${p.urls.payment}/payment/ledger?orderId=${orderId}`)).body;
    expect(ledger.captures.map((c: { amount: number }) => c.amount)).toEqual([1234]);

    const dup = await post('/api/v1/workflows/payment', { orderId, amount: 12.34, customerId: 'CUST-PAY' });
    expect({ status: dup.status, code: dup.body.error.code }).toEqual({ status: 409, code: 'workflow_exists' });
    const notAnOrder = await get(`/api/v1/order/${workflowId}/status`);
    expect({ status: notAnOrder.status, code: notAnOrder.body.error.code }).toEqual({
      status: 404,
      code: 'resource_missing',
    });
  });
});

describe('GET /api/v1/audit', () => {
  it('finds no violation across terminal orders: one shipped, one compensated after its capture', async () => {
    const shipped = await shippedOrder();
    // The carrier refuses the address after the capture: refund, release the stock.
    const failedCustomer = `CUST-FAILED-${randomUUID().slice(0, 8)}`;
    const failed = order({ customerId: failedCustomer, faults: { createShippingLabel: ['address_error'] } });
    await start(failed);
    const result = await finalState(failed.orderId);
    expect(result).toMatchObject({ status: 'failed', failure: { step: 'ship', type: 'address_invalid' } });
    expect(compensations(result)).toEqual([
      ['refundPayment', 'refunded'],
      ['releaseInventory', 'released'],
    ]);
    // The auditor finds orders through visibility: wait until both show their final status there.
    const visible = (orderId: string, customerId: string, status: string) =>
      until(
        () => get(`/api/v1/orders?status=${status}&customerId=${encodeURIComponent(customerId)}`),
        (r) => r.body.orders.some((o: { orderId: string }) => o.orderId === orderId),
      );
    await visible(shipped.orderId, shipped.customerId, 'shipped');
    await visible(failed.orderId, failedCustomer, 'failed');
    const report = await until(
      () => get('/api/v1/audit'),
      (r) => r.body.checkedOrders >= 2,
    );
    expect(report.body).toEqual({
      ok: true,
      checkedOrders: expect.any(Number),
      violations: [],
      stuck: [],
      checkedAt: expect.any(String),
    });
  });

  it('lists an order stuck in compensation; after an operator resolves it, flags the hold it left live', async () => {
    // Started directly: the compensation window is not part of the public order body.
    const orderId = newOrderId();
    const input = orderInput({
      orderId,
      customerId: 'CUST-STUCK',
      items: [{ sku: 'ITEM-002', quantity: 1, unitAmount: 1500 }],
      amount: 1500,
      customerEmail: 'stuck@example.com',
      requiresApproval: true,
      approvalTimeoutMs: 100,
      compensationWindowMs: 1_500,
      faults: { releaseAuthorization: Array(20).fill('server_error') },
    });
    await p.env.client.workflow.start<typeof orderFulfillmentWorkflow>(ORDER_WORKFLOW, {
      args: [input],
      taskQueue: p.taskQueue,
      workflowId: orderWorkflowId(orderId),
      typedSearchAttributes: [
        { key: OrderIdKey, value: orderId },
        { key: CustomerIdKey, value: input.customerId },
      ],
    });
    await until(
      () => statusOf(orderId),
      (r) => r.body.status === 'compensation_stuck',
    );
    const stuck = await until(
      () => get('/api/v1/audit'),
      (r) => r.body.stuck.includes(orderId),
    );
    expect(stuck.body).toMatchObject({ ok: true, violations: [] });

    expect((await post(orderPath(orderId, 'operator'), { action: 'resolve', note: 'released by hand' })).status).toBe(
      401,
    );
    const resolved = await post(
      orderPath(orderId, 'operator'),
      { action: 'resolve', note: 'released by hand' },
      manager,
    );
    expect(resolved).toMatchObject({ status: 200, body: { orderId, status: 'compensation_stuck' } });
    const result = await finalState(orderId);
    expect(result.status).toBe('rejected');
    expect(compensations(result)).toEqual([['releaseAuthorization', 'resolved_by_operator']]);

    const flagged = await until(
      () => get('/api/v1/audit'),
      (r) => !r.body.stuck.includes(orderId),
    );
    expect(flagged.body.ok).toBe(false);
    expect(flagged.body.violations).toEqual([
      { orderId, rule: 'no_live_hold', detail: expect.stringContaining('1500 held') },
    ]);

    // The operator really releases it: the books balance again.
    const [hold] = (await getJson(`${p.urls.payment}/payment/ledger?orderId=${orderId}`)).body.authorizations;
    expect(
      (await postJson(`${p.urls.payment}/payment/release`, { authorizationId: hold.authorizationId })).status,
    ).toBe(200);
    expect((await get('/api/v1/audit')).body).toMatchObject({ ok: true, violations: [], stuck: [] });
  });
});
