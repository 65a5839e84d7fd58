/**
 * The subscription scenario (`make scenario-subscription`), through the REST API only: a Basic
 * subscription billed every 8 s, a plan change to Pro through the changePlan Update (after one
 * refused), period 2's first charge declined and recovered by dunning, and continue-as-new after every
 * two periods, so period 3 is billed by a new run. It prints each change as it happens, the Temporal UI
 * links, and the audit. Exit code: 0 as expected and the audit is clean, 1 not, 2 the stack is not
 * reachable. Env as tools/scenarios.ts (API_URL, TEMPORAL_UI_URL, ...).
 */
import { randomBytes } from 'node:crypto';
import type { FaultPlan, Invoice, SubscriptionState } from '@fake-stripe/kernel';
import pc from 'picocolors';
import { api, call, customerToken, describeError, expect, ScenarioError, workflowLink } from './api.ts';
import { printAudit } from './watch.ts';

const PERIOD_S = 8;
const CUSTOMER = 'CUST-SUB';
/** Forced outcomes per charge attempt (the live chaos would decide otherwise): P1, P2 declined, P2 retry, P3. */
const paid: FaultPlan = { authorizePayment: ['success'], capturePayment: ['success'] };
const declined: FaultPlan = { authorizePayment: ['insufficient_funds'] };

type View = { workflowId: string; runId: string; subscription: SubscriptionState; invoices: Invoice[] };
type Check = [label: string, ok: boolean];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const money = (minor: number) => `$${(minor / 100).toFixed(2)}`;

export async function runSubscriptionScenario(): Promise<number> {
  const subscriptionId = `SUB-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`.toUpperCase();
  const path = `/api/v1/subscriptions/${subscriptionId}`;
  const token = customerToken(CUSTOMER);
  console.log(pc.bold(`Subscription ${subscriptionId}: Basic, billed every ${PERIOD_S} s, dunning 2 retries over 4 s`));
  expect(
    await call('post', '/api/v1/subscriptions', {
      json: {
        subscriptionId,
        customerId: CUSTOMER,
        planId: 'basic',
        periodSeconds: PERIOD_S,
        dunning: { retries: 2, graceSeconds: 4 },
        periodsPerRun: 2,
        faults: [paid, declined, paid, paid],
      },
    }),
    [201],
    'POST /api/v1/subscriptions',
  );
  const read = async (): Promise<View> => expect<View>(await call('get', path), [200], `GET ${path}`);

  const statuses: string[] = [];
  const runs: string[] = [];
  const invoices = new Map<number, Invoice>();
  let planChange: string | undefined;
  const deadline = Date.now() + (PERIOD_S * 3 + 30) * 1000;
  let view = await read();
  for (;;) {
    const s = view.subscription;
    if (statuses.at(-1) !== s.status) {
      statuses.push(s.status);
      console.log(`  status ${pc.bold(s.status)}`);
    }
    if (runs.at(-1) !== view.runId) {
      runs.push(view.runId);
      if (runs.length > 1) console.log(pc.cyan(`  continued as new: run ${s.run} (${view.runId})`));
    }
    // A run's invoices, and the last one carried into a new run (billed just before the hand-over).
    for (const i of [...(s.lastInvoice ? [s.lastInvoice] : []), ...view.invoices])
      if (i.status !== 'open' && invoices.get(i.period)?.status !== i.status) {
        invoices.set(i.period, i);
        console.log(
          `  period ${i.period}: ${i.status} ${money(i.amount)} (${i.planId}) after ${i.attempts} attempt(s)` +
            (i.error ? pc.dim(` - last decline: ${i.error}`) : ''),
        );
      }
    if (!planChange && invoices.get(1)?.status === 'paid') planChange = await changePlan(path, token);
    if (invoices.get(3)?.status === 'paid') break;
    if (Date.now() > deadline) throw new ScenarioError('period 3 was not paid in time');
    await sleep(500);
    view = await read();
  }

  expect(await call('post', `${path}/cancel`, { json: {}, token }), [202], `POST ${path}/cancel`);
  const final = (await read()).subscription;
  console.log(`  cancelled: the workflow ends with the paid period (status ${final.status})`);
  const p2 = invoices.get(2);
  const checks: Check[] = [
    ['period 1 paid on Basic ($9.99)', invoices.get(1)?.amount === 999],
    ['period 2 went past_due, then was paid by a dunning retry', statuses.includes('past_due') && p2?.attempts === 2],
    ['the plan change took effect from period 2 (Pro, $29.99)', p2?.planId === 'pro' && p2.amount === 2999],
    ['period 3 was billed by a new run (continue-as-new)', runs.length >= 2 && final.run >= 2],
    ['cancelled', final.status === 'cancelled'],
  ];
  for (const [label, ok] of checks) console.log(ok ? pc.green(`✔ ${label}`) : pc.red(`✘ ${label}`));

  console.log(`\nIn the Temporal UI: ${workflowLink(view.workflowId)}`);
  console.log(
    pc.dim(
      '  Relationships: the child paymentWorkflows (payment-SUB-…-P{n}-A{attempt}); the run list: one run per two\n' +
        '  periods, ContinuedAsNew; the first run: WorkflowExecutionUpdateAccepted/Completed for changePlan',
    ),
  );
  const auditOk = printAudit(
    await api.audit(),
    [...invoices.values()].map((i) => i.orderId),
  );
  return checks.every(([, ok]) => ok) && auditOk ? 0 : 1;
}

/** Asks for an unknown plan (refused, with the validator's reason), then for Pro. */
async function changePlan(path: string, token: string): Promise<string> {
  const refused = await call('patch', `${path}/plan`, { json: { planId: 'gold' }, token });
  console.log(`  changePlan gold: ${refused.status} ${describeError(refused.body)}`);
  const accepted = expect<SubscriptionState>(
    await call('patch', `${path}/plan`, { json: { planId: 'pro' }, token }),
    [200],
    `PATCH ${path}/plan`,
  );
  console.log(`  changePlan pro: accepted, pending from the next period (${accepted.pendingPlanId})`);
  return 'pro';
}

if (import.meta.main) {
  try {
    process.exit(await runSubscriptionScenario());
  } catch (err) {
    if (!(err instanceof ScenarioError)) throw err;
    console.error(pc.red(`\n✘ ${err.message}`));
    process.exit(err.setup ? 2 : 1);
  }
}
