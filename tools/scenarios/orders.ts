/**
 * The single-order scenarios: each one order with a per-order fault plan forcing the
 * outcomes it needs, the actions a person would take (approve, reject, cancel), and what must come
 * out. `runOrderScenario` drives it through the API, prints as it goes and the audit at the end.
 */
import { randomBytes } from 'node:crypto';
import { sampleOrder } from '@fake-stripe/kernel';
import type { CompensationStep, FaultPlan, OrderStatus } from '@fake-stripe/kernel';
import pc from 'picocolors';
import { api, customerToken, describeError, env, ScenarioError } from './api.ts';
import type { OrderBody, OrderView } from './api.ts';
import { follow, printAudit, printOrder, seconds } from './watch.ts';
import type { Action } from './watch.ts';

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

/** Prints each expectation with ✔ or ✘ (and what came instead); true when all held. */
export function printChecks(checks: Check[]): boolean {
  console.log(`\n${pc.bold('expected')}`);
  for (const [label, ok, detail] of checks)
    console.log(`  ${ok ? pc.green('✔') : pc.red('✘')} ${label}${ok || !detail ? '' : pc.dim(` (got ${detail})`)}`);
  return checks.every(([, ok]) => ok);
}

export type OrderScenario = {
  /** The menu's line. */
  short: string;
  title: string;
  /** What the body adds to the sample order. */
  order: Partial<OrderBody>;
  actions?: (workflowId: string) => Action[];
  expect: { status: OrderStatus; compensations: CompensationStep[]; more?: (v: OrderView) => Check[] };
};

const manager =
  (workflowId: string, action: 'approve' | 'reject', json: object = {}) =>
  () =>
    api.signal(workflowId, action, env.managerToken, json);

export const orderScenarios = {
  happy: {
    short: 'Happy path → shipped',
    title: 'Happy path: authorize, reserve, capture, ship, notify → shipped',
    order: { faults: allSucceed },
    expect: { status: 'shipped', compensations: [], more: (v) => shippedChecks(v) },
  },
  approval: {
    short: 'Manual approval → approve → shipped',
    title: 'Manual approval: awaiting_approval, a manager approves → shipped',
    order: { requiresApproval: true, faults: allSucceed },
    actions: (id) => [
      { when: (v) => v.status === 'awaiting_approval', say: 'manager approves', run: manager(id, 'approve') },
    ],
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
    actions: (id) => [
      {
        when: (v) => v.status === 'awaiting_approval',
        say: 'manager rejects',
        run: manager(id, 'reject', { reason: 'scenario: suspected fraud' }),
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
    actions: (id) => [
      {
        // A quarter into the ~20 s label, or 5 s into shipping when the API reports no label progress.
        when: (v, inStatusMs) => v.status === 'shipping' && ((v.currentStepProgress ?? 0) >= 25 || inStatusMs >= 5000),
        say: `customer ${CUSTOMER} cancels (customer token)`,
        run: () => api.signal(id, 'cancel', customerToken(CUSTOMER), { reason: 'scenario: changed my mind' }),
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
    expect: { status: 'shipped', compensations: [], more: (v) => shippedChecks(v) },
  },
} satisfies Record<string, OrderScenario>;
export type OrderScenarioName = keyof typeof orderScenarios;

function shippedChecks(v: OrderView): Check[] {
  const steps = ['authorize', 'reserve', 'capture', 'ship', 'notify'] as const;
  return [
    ['every step completed', steps.every((s) => v.completedSteps.includes(s)), v.completedSteps.join(',')],
    ['has a tracking number', Boolean(v.trackingNumber)],
  ];
}

/** Runs one scenario against the API; resolves to the process exit code (0 pass, 1 fail). */
export async function runOrderScenario(
  name: OrderScenarioName,
  opts: { orderId?: string; timeoutMs?: number } = {},
): Promise<number> {
  const s: OrderScenario = orderScenarios[name];
  const orderId = opts.orderId ?? uniqueOrderId(name);
  const body: OrderBody = { ...scenarioOrder(orderId), ...s.order };
  console.log(`\n${pc.bold(`▶ ${name}`)} — ${s.title}`);
  console.log(
    pc.dim(`  API ${env.apiUrl}, order ${orderId}, ${body.totalAmount.toFixed(2)} USD, customer ${body.customerId}`),
  );
  const t0 = Date.now();
  const created = await api.createOrder(body);
  if (created.status === 409) {
    throw new ScenarioError(`order ${orderId} already exists: ${describeError(created.body)} (pick another ID)`);
  }
  const { workflowId } = created.body as { workflowId: string };
  console.log(`  ${pc.dim('started')}  workflow ${workflowId}`);
  const end = await follow(workflowId, s.actions?.(workflowId) ?? [], opts.timeoutMs ?? 180_000);
  console.log(`\n${pc.bold('outcome')} ${pc.dim(`after ${seconds(Date.now() - t0)}`)}`);
  printOrder(end, workflowId);

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
  const held = printChecks(checks);
  const clean = printAudit(await api.audit(), [orderId]);
  const passed = held && clean;
  console.log(passed ? pc.green(pc.bold(`\n✔ ${name} passed`)) : pc.red(pc.bold(`\n✘ ${name} failed`)));
  return passed ? 0 : 1;
}
