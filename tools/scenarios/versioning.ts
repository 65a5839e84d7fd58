/**
 * `make scenario-versioning`: a deploy of the fraud check (patched('fraud-check-before-capture')) while
 * orders run. An in-process "old" worker (the worker's own code with the patch forced off: the code as
 * it ran before the change) serves a task queue of its own; two large orders start on it, one ships
 * past the check's point, one waits for approval before it. The old worker stops, the patched worker
 * (today's code) takes the queue over, and two more large orders start. The stack's services and
 * Temporal are used; the stack's own worker never sees these orders (another task queue).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { orderInputFrom, orderRequestSchema } from '@fake-stripe/kernel';
import type { OrderRequest, OrderState } from '@fake-stripe/kernel';
import {
  approveSignal,
  CustomerIdKey,
  ORDER_WORKFLOW,
  OrderIdKey,
  orderWorkflowId,
  statusQuery,
  TASK_QUEUE,
} from '@fake-stripe/kernel/workflow-definitions';
import type { OrderFulfillmentWorkflow } from '@fake-stripe/kernel/workflow-definitions';
import {
  bundlePatchVariant,
  DEFAULT_FRAUD_RULES,
  FRAUD_CHECK_PATCH,
  loadWorkerEnv,
  patchMarkers,
  workerOptions,
} from '@fake-stripe/worker';
import { Client, Connection } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import pc from 'picocolors';
import { api, env, ScenarioError, workflowLink } from './api.ts';
import { allSucceed, printChecks, scenarioOrder, uniqueOrderId } from './orders.ts';
import type { Check } from './orders.ts';
import { printAudit } from './watch.ts';

const QUEUE = `${TASK_QUEUE}-versioning`;
type Order = WorkflowHandle<OrderFulfillmentWorkflow>;

/** 50 × 29.99 = 1,499.50, above the fraud check's default threshold (1,000.00), every step forced to succeed. */
const largeOrder = (scenario: string, customerId?: string): OrderRequest => {
  const base = scenarioOrder(uniqueOrderId(scenario), customerId);
  return orderRequestSchema.parse({
    ...base,
    items: [{ sku: 'ITEM-001', quantity: 50, price: 29.99 }],
    totalAmount: 1499.5,
    faults: allSucceed,
  });
};

const say = (msg: string): void => console.log(`  ${msg}`);

async function statusOf(order: Order, wanted: (s: OrderState) => boolean, what: string): Promise<OrderState> {
  const t0 = Date.now();
  for (;;) {
    const s = await order.query(statusQuery).catch(() => undefined);
    if (s && wanted(s)) return s;
    if (Date.now() - t0 > 120_000) throw new ScenarioError(`${order.workflowId} never ${what} (${s?.status})`);
    await sleep(300);
  }
}

/** A worker on the scenario's queue, with the stack's services; `bundle` is a file of workflow code. */
async function startWorker(connection: NativeConnection, bundle?: string) {
  const workerEnv = { ...loadWorkerEnv(), TASK_QUEUE: QUEUE, WORKFLOW_BUNDLE: bundle };
  const worker = await Worker.create(workerOptions(workerEnv, connection));
  return { worker, running: worker.run() };
}

export async function runVersioningScenario(): Promise<number> {
  console.log(`\n${pc.bold('▶ versioning')} — deploy the fraud check behind patched() while orders run`);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(join(tmpdir(), 'fake-stripe-versioning-'));
  const [native, connection] = await Promise.all([
    NativeConnection.connect(env.temporal.connection),
    Connection.connect(env.temporal.connection),
  ]).catch((err: unknown) => {
    throw new ScenarioError(`Temporal at ${env.temporal.connection.address}: ${String(err)} (make up DETACH=1)`, true);
  });
  const client = new Client({ connection, namespace: env.temporal.namespace });
  const start = (body: OrderRequest): Promise<Order> =>
    client.workflow.start<OrderFulfillmentWorkflow>(ORDER_WORKFLOW, {
      taskQueue: QUEUE,
      workflowId: orderWorkflowId(body.orderId),
      args: [orderInputFrom(body)],
      typedSearchAttributes: [
        { key: OrderIdKey, value: body.orderId },
        { key: CustomerIdKey, value: body.customerId },
      ],
    });
  try {
    say(pc.dim('bundling the old code (the patch forced off) and starting it on its own task queue'));
    const oldBundle = join(dir, 'before-fraud-check.js');
    writeFileSync(oldBundle, (await bundlePatchVariant('before')).code);
    const old = await startWorker(native, oldBundle);
    const [shipping, waiting] = await Promise.all([
      start(largeOrder('VER-OLD')),
      start({ ...largeOrder('VER-OLD-APPROVAL'), requiresApproval: true }),
    ]);
    const past = await statusOf(shipping, (s) => s.status === 'shipping', 'reached shipping');
    await statusOf(waiting, (s) => s.status === 'awaiting_approval', 'waited for approval');
    say(
      `old code: ${shipping.workflowId} is shipping, past the check's point, unscreened (${past.fraudCheck?.outcome ?? 'no check'})`,
    );
    say(`old code: ${waiting.workflowId} awaits approval, before the check's point`);

    say(pc.bold('deploy: the old worker stops, the patched worker takes the queue over'));
    old.worker.shutdown();
    await old.running;
    const patched = await startWorker(native);
    const fresh = await start(largeOrder('VER-NEW'));
    const [blockedCustomer = 'CUST-BLOCKED'] = DEFAULT_FRAUD_RULES.blockedCustomers;
    const refused = await start(largeOrder('VER-BLOCKED', blockedCustomer));
    await waiting.signal(approveSignal, { by: 'manager' });
    const [a, b, c, d] = await Promise.all([shipping, waiting, fresh, refused].map((o) => o.result()));
    patched.worker.shutdown();
    await patched.running;

    // The fraud check's markers (the order's other patches record their own).
    const markers = async (o: Order) =>
      patchMarkers(await o.fetchHistory()).filter((id) => id === FRAUD_CHECK_PATCH).length;
    for (const [o, s] of [
      [shipping, a],
      [waiting, b],
      [fresh, c],
      [refused, d],
    ] as const)
      say(
        `${o.workflowId}: ${s?.status}, fraud check ${s?.fraudCheck?.outcome ?? (s?.failure?.type || 'none')}, ${workflowLink(o.workflowId)}`,
      );
    const checks: Check[] = [
      [
        'the order past the patch point finished on the new worker without the check',
        a?.status === 'shipped' && !a.fraudCheck,
      ],
      ['…and its history has no patch marker (patched() was false in replay)', (await markers(shipping)) === 0],
      ['the order that waited before the point was screened after the deploy', b?.fraudCheck?.outcome === 'passed'],
      ['a new large order is screened and ships', c?.status === 'shipped' && c.fraudCheck?.outcome === 'passed'],
      ['…with the patch marker in its history', (await markers(fresh)) === 1],
      [
        `a large order of ${blockedCustomer} is refused before capture and compensated`,
        d?.status === 'failed' && d.failure?.type === 'fraud_suspected' && d.compensations.length === 2,
        JSON.stringify(d?.failure),
      ],
    ];
    const held = printChecks(checks);
    const clean = printAudit(await api.audit());
    const passed = held && clean;
    console.log(passed ? pc.green(pc.bold('\n✔ versioning passed')) : pc.red(pc.bold('\n✘ versioning failed')));
    return passed ? 0 : 1;
  } finally {
    await connection.close();
    await native.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
