/**
 * The scenarios, one definition for the scenario CLI (tools/scenarios.ts, which prints as they go) and
 * the web console's launcher (the API runs them and streams their events): the single-order scenarios,
 * each one order with a fault plan forcing the outcomes it needs, the actions a person would take
 * (approve, reject, cancel) and what must come out; and the chaos batch, N orders with no fault plan.
 * Both drive the platform through its REST API only (scenario-api.ts).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pMap from 'p-map';
import { isTerminal, orderSteps, sampleOrder } from './contracts.ts';
import type { CompensationStep, FaultPlan, OrderStatus } from './contracts.ts';
import { describeError, ScenarioError } from './scenario-api.ts';
import type { Actor, Audit, OrderBody, OrderView, ScenarioApi } from './scenario-api.ts';

export * from './scenario-api.ts';

const CUSTOMER = 'CUST-001';

/** Every step and every compensation forced to succeed on its first attempt; scenarios override one. */
export const allSucceed: FaultPlan = {
  authorizePayment: ['success'],
  reserveInventory: ['success'],
  capturePayment: ['success'],
  createShippingLabel: ['success'],
  sendNotification: ['success'],
  cancelLabel: ['success'],
  refundPayment: ['success'],
  releaseInventory: ['success'],
  releaseAuthorization: ['success'],
};

/** The shared sample order with a second line (ITEM-007), so reservations and labels hold two SKUs. */
export const scenarioOrder = (orderId: string, customerId = CUSTOMER): OrderBody =>
  sampleOrder(orderId, {
    customerId,
    items: [
      { sku: 'ITEM-001', quantity: 2, price: 29.99 },
      { sku: 'ITEM-007', quantity: 1, price: 15 },
    ],
    totalAmount: 74.98,
  });

/** A fresh order id per run: ORD-<scenario>-<base36 time><random>. */
export const uniqueOrderId = (scenario: string): string =>
  `ORD-${scenario}-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`.toUpperCase();

export type Check = [label: string, ok: boolean, detail?: string];

/** Something a scenario does once, the first time `when` holds: a signal sent as the manager or a customer. */
export type Action = {
  when: (v: OrderView, inStatusMs: number) => boolean;
  say: string;
  signal: 'approve' | 'reject' | 'cancel';
  as: Actor;
  json: object;
};

export type OrderScenario = {
  /** The menu's line. */
  short: string;
  title: string;
  /** What the body adds to the sample order. */
  order: Partial<OrderBody>;
  actions?: Action[];
  expect: { status: OrderStatus; compensations: CompensationStep[]; more?: (v: OrderView) => Check[] };
};

function shippedChecks(v: OrderView): Check[] {
  const steps = orderSteps.filter((s) => s !== 'approval');
  return [
    ['every step completed', steps.every((s) => v.completedSteps.includes(s)), v.completedSteps.join(',')],
    ['has a tracking number', Boolean(v.trackingNumber)],
  ];
}
const awaitingApproval = (v: OrderView): boolean => v.status === 'awaiting_approval';

export const orderScenarios = {
  happy: {
    short: 'Happy path → shipped',
    title: 'Happy path: authorize, reserve, capture, ship, notify → shipped',
    order: { faults: allSucceed },
    expect: { status: 'shipped', compensations: [], more: shippedChecks },
  },
  approval: {
    short: 'Manual approval → approve → shipped',
    title: 'Manual approval: awaiting_approval, a manager approves → shipped',
    order: { requiresApproval: true, faults: allSucceed },
    actions: [{ when: awaitingApproval, say: 'manager approves', signal: 'approve', as: 'manager', json: {} }],
    expect: {
      status: 'shipped',
      compensations: [],
      more: (v) => [
        ...shippedChecks(v),
        ['approved by a manager', v.approval?.approved === true && !v.approval.timedOut, JSON.stringify(v.approval)],
      ],
    },
  },
  reject: {
    short: 'Manager rejection → rejected, compensated',
    title: 'Manager rejection: awaiting_approval, a manager rejects → rejected, authorization released',
    order: { requiresApproval: true, faults: allSucceed },
    actions: [
      {
        when: awaitingApproval,
        say: 'manager rejects',
        signal: 'reject',
        as: 'manager',
        json: { reason: 'scenario: suspected fraud' },
      },
    ],
    expect: {
      status: 'rejected',
      compensations: ['releaseAuthorization'],
      more: (v) => [
        [
          'rejected by a manager, not by the timer',
          v.approval?.approved === false && !v.approval.timedOut,
          JSON.stringify(v.approval),
        ],
      ],
    },
  },
  timeout: {
    short: 'Approval timeout (5 s) → rejected, compensated',
    title: 'Approval timeout: nobody decides within 5 s → rejected, authorization released',
    order: { requiresApproval: true, approvalTimeoutSeconds: 5, faults: allSucceed },
    expect: {
      status: 'rejected',
      compensations: ['releaseAuthorization'],
      more: (v) => [['the approval timed out', v.approval?.timedOut === true, JSON.stringify(v.approval)]],
    },
  },
  cancel: {
    short: 'User cancellation while shipping → cancelled, compensated',
    title: 'User cancellation: the customer cancels while the label is being created → cancelled, compensated',
    order: { faults: allSucceed },
    actions: [
      {
        // A quarter into the ~20 s label, or 5 s into shipping when the API reports no label progress.
        when: (v, inStatusMs) => v.status === 'shipping' && ((v.currentStepProgress ?? 0) >= 25 || inStatusMs >= 5000),
        say: `customer ${CUSTOMER} cancels (customer token)`,
        signal: 'cancel',
        as: { customer: CUSTOMER },
        json: { reason: 'scenario: changed my mind' },
      },
    ],
    expect: {
      status: 'cancelled',
      compensations: ['cancelLabel', 'refundPayment', 'releaseInventory'],
      more: (v) => [['no label shipped', !v.completedSteps.includes('ship'), v.completedSteps.join(',')]],
    },
  },
  compensation: {
    short: 'Saga compensation: label fails → failed, refund + release',
    title: 'Saga compensation: the label fails (address error) → failed, refund then inventory release',
    order: { faults: { ...allSucceed, createShippingLabel: ['address_error'] } },
    expect: {
      status: 'failed',
      compensations: ['refundPayment', 'releaseInventory'],
      more: (v) => [['failed at the label step', v.failure?.step === 'ship', JSON.stringify(v.failure)]],
    },
  },
  custom: {
    short: 'Custom order id (the happy path)',
    title: 'Custom order id: the happy path with the id you give',
    order: { faults: allSucceed },
    expect: { status: 'shipped', compensations: [], more: shippedChecks },
  },
} satisfies Record<string, OrderScenario>;
export type OrderScenarioName = keyof typeof orderScenarios;
export const orderScenarioNames = Object.keys(orderScenarios) as OrderScenarioName[];

/** What a followed order did, as it was seen: `atMs` after the scenario started. */
export type ScenarioEvent = { atMs: number } & (
  | { kind: 'started'; orderId: string; workflowId: string }
  | { kind: 'step'; step: string }
  | { kind: 'status'; status: string; step?: string; failure?: string }
  | { kind: 'compensation'; step: string; outcome: string; ids?: string[] }
  | { kind: 'action'; say: string }
  | { kind: 'progress'; percent: number }
);
type EventBody = ScenarioEvent extends infer E ? (E extends ScenarioEvent ? Omit<E, 'atMs'> : never) : never;
export type OnEvent = (event: ScenarioEvent) => void;

const POLL_MS = 400;
/** Consecutive failed status calls tolerated (the workflow's first task may not have run yet). */
const MAX_MISSES = 10;

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * Polls the order's status until it is terminal (then reads the workflow's result) or parked in
 * compensation_stuck, sending each action's signal the first time it applies and telling `onEvent`
 * what changed. Throws a ScenarioError after `timeoutMs`.
 */
export async function followOrder(
  api: ScenarioApi,
  workflowId: string,
  options: { actions?: Action[]; timeoutMs: number; t0?: number; onEvent?: OnEvent },
): Promise<OrderView> {
  const t0 = options.t0 ?? Date.now();
  const emit = (e: EventBody): void => options.onEvent?.({ ...e, atMs: Date.now() - t0 });
  const pending = [...(options.actions ?? [])];
  let last: OrderView | undefined;
  let statusSince = Date.now();
  let comps = 0;
  let done = 0;
  let misses = 0;
  for (;;) {
    if (Date.now() - t0 > options.timeoutMs)
      throw new ScenarioError(
        `${workflowId} is still ${last?.status ?? 'unknown'} after ${seconds(options.timeoutMs)}`,
      );
    let v: OrderView;
    try {
      v = await api.status(workflowId);
      misses = 0;
    } catch (err) {
      if (err instanceof ScenarioError && err.setup) throw err;
      if (++misses > MAX_MISSES) throw err;
      await sleep(POLL_MS);
      continue;
    }
    // Steps faster than a poll are seen only as completed: list them, so none goes unmentioned.
    for (const step of v.completedSteps.slice(done)) emit({ kind: 'step', step });
    done = v.completedSteps.length;
    if (v.status !== last?.status) {
      statusSince = Date.now();
      const failure = v.status === 'compensating' && v.failure ? `${v.failure.step}: ${v.failure.message}` : undefined;
      emit({
        kind: 'status',
        status: v.status,
        ...(v.currentStep && { step: v.currentStep }),
        ...(failure && { failure }),
      });
    }
    for (const c of v.compensations.slice(comps))
      emit({ kind: 'compensation', step: c.step, outcome: c.outcome, ...(c.ids?.length && { ids: c.ids }) });
    comps = v.compensations.length;
    last = v;
    for (const a of [...pending]) {
      if (!a.when(v, Date.now() - statusSince)) continue;
      pending.splice(pending.indexOf(a), 1);
      emit({ kind: 'action', say: a.say });
      await api.signal(workflowId, a.signal, a.as, a.json);
    }
    if (v.status === 'compensation_stuck') return v;
    if (isTerminal(v.status)) {
      // The status query saw the end; the result is the workflow's own final answer.
      const r = await api.result(workflowId, 30);
      if ('closed' in r) throw new ScenarioError(`${workflowId}: ${r.closed}`);
      return 'done' in r ? r.done : v;
    }
    if (v.status === 'shipping') emit({ kind: 'progress', percent: Math.round(v.currentStepProgress ?? 0) });
    await sleep(POLL_MS);
  }
}

export interface OrderScenarioReport {
  name: OrderScenarioName;
  title: string;
  orderId: string;
  workflowId: string;
  /** Start to the observed end. */
  ms: number;
  end: OrderView;
  checks: Check[];
  audit: Audit;
  /** Every check held and the audit found no violation. */
  passed: boolean;
}

/** Runs one single-order scenario through the API: the order, its actions, its checks and the audit. */
export async function runOrderScenario(
  api: ScenarioApi,
  name: OrderScenarioName,
  opts: { orderId?: string; timeoutMs?: number; onEvent?: OnEvent } = {},
): Promise<OrderScenarioReport> {
  const s: OrderScenario = orderScenarios[name];
  const orderId = opts.orderId ?? uniqueOrderId(name);
  const t0 = Date.now();
  const created = await api.createOrder({ ...scenarioOrder(orderId), ...s.order });
  if (created.status === 409)
    throw new ScenarioError(`order ${orderId} already exists: ${describeError(created.body)} (pick another ID)`);
  const { workflowId } = created.body as { workflowId: string };
  opts.onEvent?.({ kind: 'started', orderId, workflowId, atMs: Date.now() - t0 });
  const end = await followOrder(api, workflowId, {
    ...(s.actions && { actions: s.actions }),
    timeoutMs: opts.timeoutMs ?? 180_000,
    t0,
    ...(opts.onEvent && { onEvent: opts.onEvent }),
  });
  const ms = Date.now() - t0;
  const got = end.compensations.map((c) => c.step);
  const checks: Check[] = [
    [`status is ${s.expect.status}`, end.status === s.expect.status, end.status],
    [
      `compensations: ${s.expect.compensations.join(' → ') || 'none'}`,
      got.join() === s.expect.compensations.join(),
      got.join(' → ') || 'none',
    ],
    ...(s.expect.more?.(end) ?? []),
  ];
  const audit = await api.audit();
  const passed = checks.every(([, ok]) => ok) && audit.violations.length === 0;
  return { name, title: s.title, orderId, workflowId, ms, end, checks, audit, passed };
}

/* The chaos batch: N orders with no fault plan, so the services' live chaos decides every step. */

/** One order of a batch, as it was followed. */
export type Tracked = {
  orderId: string;
  workflowId: string;
  startedAt: number;
  end?: OrderView;
  /** Client-side start → observed end, when Temporal cannot be asked. */
  observedMs?: number;
  stuck?: boolean;
  last?: string;
};

const CREATE_CONCURRENCY = 8;
/**
 * Orders waited for at once. Each waiter holds a long poll open in the API, which holds a Temporal
 * call open: thousands at once exhaust the dev server (a 5000-order soak timed out every call). An
 * order finishes on its own whether or not it is being waited for; its time comes from Temporal.
 */
const WAIT_CONCURRENCY = 64;

/** A random order of 1–3 catalog lines; its total is the exact sum of the lines. */
export function randomOrder(orderId: string, i: number): OrderBody {
  const n = 1 + Math.floor(Math.random() * 3);
  const skus = new Set<string>();
  while (skus.size < n) skus.add(`ITEM-${String(1 + Math.floor(Math.random() * 20)).padStart(3, '0')}`);
  const items = [...skus].map((sku) => ({
    sku,
    quantity: 1 + Math.floor(Math.random() * 3),
    price: (500 + Math.floor(Math.random() * 9500)) / 100,
  }));
  const cents = items.reduce((sum, it) => sum + Math.round(it.price * 100) * it.quantity, 0);
  return sampleOrder(orderId, {
    customerId: `CUST-CHAOS-${String(i % 5).padStart(2, '0')}`,
    items,
    totalAmount: cents / 100,
  });
}

/** A batch's run id: base36 time and randomness, in its order ids ORD-CHAOS-<run>-<i>. */
export const batchRunId = (): string => `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`.toUpperCase();

/** Creates the batch's orders through the API, a few at a once; fails on the first refusal. */
export async function startBatch(api: ScenarioApi, run: string, count: number): Promise<Tracked[]> {
  const orders: Tracked[] = [];
  await pMap(
    Array.from({ length: count }, (_, i) => i + 1),
    async (i) => {
      const orderId = `ORD-CHAOS-${run}-${i}`;
      const created = await api.createOrder(randomOrder(orderId, i));
      if (created.status !== 201)
        throw new ScenarioError(`POST /api/v1/order (${orderId}): ${created.status} ${describeError(created.body)}`);
      orders.push({ orderId, workflowId: (created.body as { workflowId: string }).workflowId, startedAt: Date.now() });
    },
    { concurrency: CREATE_CONCURRENCY },
  );
  return orders;
}

/** Waits for one order: long-polls its result, and looks at its status to notice compensation_stuck. */
async function waitFor(api: ScenarioApi, o: Tracked, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const wait = Math.max(1, Math.min(10, Math.floor((deadline - Date.now()) / 1000)));
    const r = await api.result(o.workflowId, wait).catch((err: Error) => {
      if (err instanceof ScenarioError && err.setup) throw err;
      return { error: err.message };
    });
    if ('done' in r && isTerminal(r.done.status)) {
      o.end = r.done;
      o.observedMs = Date.now() - o.startedAt;
      return;
    }
    if ('closed' in r) {
      o.last = r.closed; // the workflow itself failed: a bug, not an order outcome
      return;
    }
    const v = await api.status(o.workflowId).catch(() => undefined);
    if (v) o.last = v.status;
    if (v?.status === 'compensation_stuck') {
      o.stuck = true;
      return;
    }
    if ('running' in r) continue; // the long poll already waited
    await sleep(1000);
  }
}

/** Waits for every order of a batch until `waitSeconds` have passed; `onSettled` after each one that ended. */
export async function waitForBatch(
  api: ScenarioApi,
  orders: Tracked[],
  waitSeconds: number,
  onSettled: (o: Tracked) => void = () => {},
): Promise<void> {
  const deadline = Date.now() + waitSeconds * 1000;
  await pMap(
    orders,
    async (o) => {
      await waitFor(api, o, deadline);
      if (o.stuck || o.end) onSettled(o);
    },
    { concurrency: WAIT_CONCURRENCY },
  );
}

/** Why a compensated order failed, in a few words: `step: cause`. */
export function failureReason(o: OrderView): string | undefined {
  const f = o.failure;
  if (!f) return undefined;
  // A business code (card_declined) says it all; otherwise the transient fault that outlasted the retries.
  const cause = /^[a-z_]+$/.test(f.type ?? '')
    ? f.type
    : `retries exhausted: ${f.message.replace(/^[A-Z]+ \S+: /, '').slice(0, 45)}`;
  return `${f.step}: ${cause}`;
}
