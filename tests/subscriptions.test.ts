/**
 * Subscriptions on the real platform (tests/harness.ts): subscriptionWorkflow billing each period
 * through a child paymentWorkflow against the real payment service, dunning, continue-as-new, the
 * changePlan Update, the REST routes and the auditor. Periods last seconds (the workflow's input, as
 * the API's periodSeconds); declines are forced per charge attempt with the input's fault plans.
 */
import { randomUUID } from 'node:crypto';
import { createDomainClient, paymentLedgerSchema, periodOrderId } from '@fake-stripe/kernel';
import type { FaultPlan, Invoice, SubscriptionInput, SubscriptionState } from '@fake-stripe/kernel';
import { eventually, getJson, postJson } from '@fake-stripe/kernel/testing';
import type { JsonReply, Running } from '@fake-stripe/kernel/testing';
import {
  cancelSignal,
  changePlanUpdate,
  invoicesQuery,
  SUBSCRIPTION_WORKFLOW,
  subscriptionPauseSignal,
  subscriptionResumeSignal,
  subscriptionStatusQuery,
  SubscriptionStatusKey,
  subscriptionWorkflowId,
  type SubscriptionWorkflow,
} from '@fake-stripe/kernel/workflow-definitions';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { asCustomer, asManager, recordHistory, startPlatform, testTokens } from './harness.ts';
import type { Platform } from './harness.ts';

let p: Platform;
let api: Running;

beforeAll(async () => {
  p = await startPlatform();
  await p.startWorker();
  api = await p.startApi(testTokens);
}, 120_000);
afterAll(() => p?.stop(), 60_000);

const newId = (): string => `T${randomUUID().slice(0, 8)}`;
const paid: FaultPlan = { authorizePayment: ['success'], capturePayment: ['success'] };
const declined: FaultPlan = { authorizePayment: ['insufficient_funds'] };

/** Starts a subscription directly (the workflow's input: periods in milliseconds). */
async function startSubscription(overrides: Partial<SubscriptionInput> = {}) {
  const subscriptionId = newId();
  const input: SubscriptionInput = {
    subscriptionId,
    customerId: `CUST-${subscriptionId}`,
    planId: 'basic',
    paymentMethod: 'pm_card_visa',
    periodMs: 2_000,
    dunning: { retries: 2, graceMs: 2_000 },
    periodsPerRun: 10,
    ...overrides,
  };
  const handle = await p.env.client.workflow.start<SubscriptionWorkflow>(SUBSCRIPTION_WORKFLOW, {
    taskQueue: p.taskQueue,
    workflowId: subscriptionWorkflowId(subscriptionId),
    args: [input],
  });
  return { subscriptionId, handle, firstRunId: handle.firstExecutionRunId };
}
type Handle = Awaited<ReturnType<typeof startSubscription>>['handle'];

const until = <T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> =>
  eventually(read, String(ok), { until: ok, timeoutMs, intervalMs: 100 });
/** The current run's state (a handle without a run id follows the continue-as-new chain). */
const stateOf = (h: Handle): Promise<SubscriptionState> =>
  p.env.client.workflow.getHandle<SubscriptionWorkflow>(h.workflowId).query(subscriptionStatusQuery);
const invoicesOf = (h: Handle): Promise<Invoice[]> =>
  p.env.client.workflow.getHandle<SubscriptionWorkflow>(h.workflowId).query(invoicesQuery);
const stateWhen = (h: Handle, ok: (s: SubscriptionState) => boolean, timeoutMs?: number) =>
  until(() => stateOf(h), ok, timeoutMs);

const payment = () => createDomainClient(p.urls.payment, 2_000);
const ledger = async (orderId: string) =>
  paymentLedgerSchema.parse(await payment().get(`/payment/ledger?orderId=${encodeURIComponent(orderId)}`));

/** The executions (runs) a visibility query matches. */
async function executions(query: string) {
  const all = [];
  for await (const e of p.env.client.workflow.list({ query })) all.push(e);
  return all;
}

/** Every status the subscription shows while `done` is false, in order, without repeats. */
async function statusesUntil(h: Handle, done: (s: SubscriptionState) => boolean, timeoutMs = 30_000) {
  const seen: string[] = [];
  await until(
    async () => {
      const s = await stateOf(h);
      if (seen.at(-1) !== s.status) seen.push(s.status);
      return s;
    },
    done,
    timeoutMs,
  );
  return seen;
}

/** Asks for a plan change; the validator's refusal message, or undefined when accepted. */
async function refusal(h: Handle, planId: string): Promise<string | undefined> {
  try {
    await p.env.client.workflow.getHandle(h.workflowId).executeUpdate(changePlanUpdate, { args: [{ planId }] });
    return undefined;
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) throw err;
    return err.cause?.message;
  }
}

describe('subscriptionWorkflow', () => {
  it('bills each period through a child paymentWorkflow, one capture of the plan price per period', async () => {
    const { subscriptionId, handle } = await startSubscription();
    const state = await stateWhen(handle, (s) => s.paidPeriods >= 3);
    expect(state).toMatchObject({ status: 'active', billing: 'active', planId: 'basic', run: 1 });
    const invoices = (await invoicesOf(handle)).slice(0, 3);
    expect(invoices.map((i) => [i.period, i.status, i.amount, i.attempts])).toEqual([
      [1, 'paid', 999, 1],
      [2, 'paid', 999, 1],
      [3, 'paid', 999, 1],
    ]);
    for (const invoice of invoices) {
      expect(invoice.orderId).toBe(periodOrderId(subscriptionId, invoice.period));
      // The charge is a child of the subscription's run.
      const child = await p.env.client.workflow.getHandle(invoice.paymentWorkflowId ?? '').describe();
      expect(child.type).toBe('paymentWorkflow');
      expect(child.status.name).toBe('COMPLETED');
      expect(child.parentExecution?.workflowId).toBe(handle.workflowId);
      const l = await ledger(invoice.orderId);
      expect(l.captures.map((c) => [c.captureId, c.amount])).toEqual([[invoice.captureId, 999]]);
    }
    // The wait between periods is a durable timer.
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.timerStartedEventAttributes).length).toBeGreaterThanOrEqual(2);

    await handle.signal(cancelSignal, { by: 'test' });
    const final = await handle.result();
    expect(final.status).toBe('cancelled');
    expect(final.cancelled).toEqual({ by: 'test' });
    expect(final.paidPeriods).toBe(final.period);
    await recordHistory(p, handle.workflowId, 'subscription-billed-then-cancelled');
  }, 60_000);

  it('dunning: retries a declined charge over the grace window, past_due then suspended; a later charge reactivates', async () => {
    // Period 2's three attempts (the first and two retries, 1 s apart) are declined; period 3's charge succeeds.
    const suspended = await startSubscription({
      periodMs: 5_000,
      faults: [paid, declined, declined, declined, paid],
    });
    // Period 2's first attempt is declined, its first retry succeeds.
    const recovered = await startSubscription({ periodMs: 5_000, faults: [paid, declined, paid] });
    const [seenSuspended, seenRecovered] = await Promise.all([
      statusesUntil(suspended.handle, (s) => s.period >= 3 && s.lastInvoice?.status === 'paid'),
      statusesUntil(recovered.handle, (s) => s.period >= 2 && s.lastInvoice?.status === 'paid'),
    ]);
    expect(seenSuspended).toEqual(['active', 'past_due', 'suspended', 'active']);
    expect(seenRecovered).toEqual(['active', 'past_due', 'active']);

    const [, p2, p3] = await invoicesOf(suspended.handle);
    expect(p2).toMatchObject({
      status: 'uncollectible',
      attempts: 3,
      error: expect.stringMatching(/insufficient funds/),
    });
    expect(p3).toMatchObject({ status: 'paid', attempts: 1 });
    const unpaid = await ledger(p2?.orderId ?? '');
    expect(unpaid.captures).toEqual([]);
    expect(unpaid.authorizations.filter((a) => a.status === 'authorized')).toEqual([]);
    expect(await stateOf(suspended.handle)).toMatchObject({ paidPeriods: 2, unpaidPeriods: 1, totalPaid: 1998 });

    const [, retried] = await invoicesOf(recovered.handle);
    expect(retried).toMatchObject({ status: 'paid', attempts: 2, paymentWorkflowId: expect.stringMatching(/-A2$/) });
    expect((await ledger(retried?.orderId ?? '')).captures).toHaveLength(1);

    await suspended.handle.signal(cancelSignal, { by: 'test' });
    await recovered.handle.signal(cancelSignal, { by: 'test' });
    await suspended.handle.result();
    await recordHistory(p, suspended.handle.workflowId, 'subscription-dunning-suspended-reactivated');
  }, 60_000);

  it('continues as new every N periods with its summary; a signal sent at the hand-over is not lost', async () => {
    const { handle, firstRunId } = await startSubscription({ periodMs: 1_500, periodsPerRun: 1 });
    // Each period is billed by a run of its own.
    const third = await stateWhen(handle, (s) => s.run >= 3 && s.paidPeriods >= 3);
    expect(third).toMatchObject({ status: 'active', paidPeriods: third.period, totalPaid: 999 * third.period });
    // Only this run's invoices travel with the run; earlier ones stay in their runs and the ledger.
    expect((await invoicesOf(handle)).length).toBeLessThanOrEqual(1);
    const first = await p.env.client.workflow.getHandle(handle.workflowId, firstRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');

    // Pause the moment a period is billed, when its run continues as new.
    const billed = third.period;
    await stateWhen(handle, (s) => s.period > billed);
    await p.env.client.workflow.getHandle(handle.workflowId).signal(subscriptionPauseSignal, { by: 'test' });
    const paused = await stateWhen(handle, (s) => s.status === 'paused');
    await new Promise((r) => setTimeout(r, 3_500));
    const still = await stateOf(handle);
    expect(still).toMatchObject({ status: 'paused', period: paused.period });
    const current = await p.env.client.workflow.getHandle(handle.workflowId).describe();
    expect(current.typedSearchAttributes.get(SubscriptionStatusKey)).toBe('paused');

    // A plan change accepted in one run is billed by the next.
    expect(await refusal(handle, 'pro')).toBeUndefined();
    await p.env.client.workflow.getHandle(handle.workflowId).signal(subscriptionResumeSignal, { by: 'test' });
    const resumed = await stateWhen(handle, (s) => s.period > still.period && s.lastInvoice?.status === 'paid');
    expect(resumed).toMatchObject({ status: 'active', planId: 'pro', lastInvoice: { amount: 2999 } });
    // The chain goes on after the resume. (Whether the first bill after it falls in the paused run or
    // the next depends on which side of the hand-over the pause landed.)
    await stateWhen(handle, (s) => s.run > still.run);

    const runs = await executions(`WorkflowId = '${handle.workflowId}'`);
    expect(runs.filter((r) => r.status.name === 'CONTINUED_AS_NEW').length).toBeGreaterThanOrEqual(3);
    await p.env.client.workflow.getHandle(handle.workflowId).signal(cancelSignal, { by: 'test' });
    await recordHistory(p, handle.workflowId, 'subscription-continued-as-new', firstRunId);
  }, 60_000);

  it('changePlan: the validator refuses an unknown plan, the same plan and a cancelled subscription; an accepted change bills from the next period', async () => {
    const { handle } = await startSubscription({ periodMs: 3_000 });
    await stateWhen(handle, (s) => s.paidPeriods >= 1);
    expect(await refusal(handle, 'gold')).toBe('unknown plan gold (plans: basic, pro, team, pro-annual)');
    expect(await refusal(handle, 'basic')).toBe('already on plan basic');

    const accepted = await p.env.client.workflow
      .getHandle(handle.workflowId)
      .executeUpdate(changePlanUpdate, { args: [{ planId: 'team' }] });
    expect(accepted).toMatchObject({ planId: 'basic', pendingPlanId: 'team', period: 1 });
    expect(await refusal(handle, 'team')).toBe('plan team already starts next period');
    expect((await invoicesOf(handle))[0]).toMatchObject({ planId: 'basic', amount: 999 });

    const next = await stateWhen(handle, (s) => s.period >= 2 && s.lastInvoice?.status === 'paid');
    expect(next.planId).toBe('team');
    expect(next.pendingPlanId).toBeUndefined();
    expect(next.lastInvoice).toMatchObject({ period: 2, planId: 'team', amount: 9900 });
    expect((await ledger(next.lastInvoice?.orderId ?? '')).captures.map((c) => c.amount)).toEqual([9900]);

    // Cancelled, the workflow runs on until the paid period ends; the validator refuses changes meanwhile.
    await handle.signal(cancelSignal, { by: 'test' });
    expect(await refusal(handle, 'pro')).toBe('subscription is cancelled');
    await handle.result();
    // Refused Updates leave no trace in the history; the accepted one does.
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(1);
    await recordHistory(p, handle.workflowId, 'subscription-plan-changed');
  }, 60_000);
});

describe('subscription routes', () => {
  const url = (path: string) => `${api.url}/api/v1/subscriptions${path}`;
  const patchPlan = async (id: string, planId: string, headers: Record<string, string>) => {
    const res = await fetch(url(`/${id}/plan`), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ planId }),
    });
    return { status: res.status, body: (await res.json()) as JsonReply['body'] };
  };

  it('starts, reads, lists by status and customer, pauses, resumes, changes the plan and cancels', async () => {
    const subscriptionId = newId();
    const customerId = `CUST-${subscriptionId}`;
    const body = { subscriptionId, customerId, planId: 'basic', periodSeconds: 3 };
    const created = await postJson(url(''), body);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/api/v1/subscriptions/${subscriptionId}`);
    expect((await postJson(url(''), body)).status).toBe(409);
    const unknownPlan = await postJson(url(''), { ...body, subscriptionId: newId(), planId: 'gold' });
    expect(unknownPlan.status).toBe(400);
    expect((await getJson(url('/NOPE-404'))).status).toBe(404);
    // Fault plans force outcomes: refused where forcing is off, and nothing starts.
    const noForcing = await p.startApi({ ...testTokens, ALLOW_CHAOS_FORCING: 'false' });
    const forced = { ...body, subscriptionId: newId(), faults: [{ authorizePayment: ['insufficient_funds'] }] };
    const refusedFaults = await postJson(`${noForcing.url}/api/v1/subscriptions`, forced);
    expect(refusedFaults.status).toBe(400);
    expect(refusedFaults.body.error.code).toBe('chaos_forcing_disabled');
    expect((await getJson(url(`/${forced.subscriptionId}`))).status).toBe(404);

    const read = await until(
      () => getJson(url(`/${subscriptionId}`)),
      (r) => r.body.invoices?.[0]?.status === 'paid',
    );
    // On a busy machine the second period may have started already: the first invoice is the one read.
    expect(read.body).toMatchObject({
      workflowId: `subscription-${subscriptionId}`,
      subscription: { status: 'active', planId: 'basic', paymentMethod: 'pm_card_visa', customerId },
    });
    expect(read.body.invoices[0]).toMatchObject({ period: 1, status: 'paid', amount: 999 });

    // The Update: refusals are 409s with the validator's reason; only the manager or the customer may ask.
    expect((await patchPlan(subscriptionId, 'pro', {})).status).toBe(401);
    expect((await patchPlan(subscriptionId, 'pro', asCustomer('CUST-other'))).status).toBe(401);
    const refused = await patchPlan(subscriptionId, 'gold', asCustomer(customerId));
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/unknown plan gold/);
    const changed = await patchPlan(subscriptionId, 'pro', asCustomer(customerId));
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ planId: 'basic', pendingPlanId: 'pro' });

    const signal = (name: string, headers: Record<string, string>) =>
      postJson(url(`/${subscriptionId}/${name}`), {}, headers);
    expect((await signal('pause', {})).status).toBe(401);
    expect((await signal('pause', asCustomer(customerId))).body).toEqual({
      workflowId: `subscription-${subscriptionId}`,
      signal: 'pause',
    });
    const listed = (status: string) =>
      until(
        () => getJson(url(`?status=${status}&customerId=${customerId}`)),
        (r) => r.body.subscriptions?.length === 1,
      );
    expect((await listed('paused')).body.subscriptions[0]).toMatchObject({
      subscriptionId,
      customerId,
      status: 'paused',
    });
    expect((await getJson(url(`?status=active&customerId=${customerId}`))).body.subscriptions).toEqual([]);

    expect((await signal('resume', asManager)).status).toBe(202);
    await listed('active');
    expect((await signal('cancel', asManager)).status).toBe(202);
    expect((await listed('cancelled')).body.subscriptions[0].status).toBe('cancelled');
    const late = await patchPlan(subscriptionId, 'team', asManager);
    expect(late.status).toBe(409);
    expect(late.body.error.message).toMatch(/cancelled/);
  }, 60_000);
});

describe('the subscription routes in the OpenAPI document', () => {
  it('documents each route from its validating schemas', async () => {
    const { body: doc } = await getJson(`${api.url}/openapi.json`);
    const paths = doc.paths as Record<string, Record<string, { responses: object }>>;
    expect(Object.keys(paths['/api/v1/subscriptions'] ?? {})).toEqual(expect.arrayContaining(['post', 'get']));
    expect(Object.keys(paths['/api/v1/subscriptions/{id}/plan'] ?? {})).toEqual(['patch']);
    expect(Object.keys(paths['/api/v1/subscriptions/{id}/plan']?.patch?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '409']),
    );
    for (const signal of ['cancel', 'pause', 'resume'])
      expect(paths[`/api/v1/subscriptions/{id}/${signal}`]?.post).toBeDefined();
    expect(doc.components.schemas.SubscriptionRequest.required).toEqual(
      expect.arrayContaining(['subscriptionId', 'customerId', 'planId']),
    );
  });
});

describe('the auditor on subscriptions', () => {
  const audit = () => getJson(`${api.url}/api/v1/audit`);

  it('passes clean subscriptions, and reports a second capture of a paid period and a hold left on a cancelled one', async () => {
    const billed = await startSubscription({ periodMs: 60_000 });
    const cancelled = await startSubscription({ periodMs: 60_000 });
    await Promise.all([billed, cancelled].map((s) => stateWhen(s.handle, (x) => x.paidPeriods === 1)));
    await cancelled.handle.signal(cancelSignal, { by: 'test' });
    await until(
      () => executions(`WorkflowId = '${cancelled.handle.workflowId}' AND SubscriptionStatus = 'cancelled'`),
      (r) => r.length === 1,
    );
    const clean = await audit();
    expect(clean.status).toBe(200);
    expect(clean.body.violations.filter((v: { rule: string }) => v.rule.startsWith('subscription_'))).toEqual([]);

    // Money moved behind the workflows' back, recorded straight in the payment ledger.
    const client = payment();
    const period1 = periodOrderId(billed.subscriptionId, 1);
    const extra = await client.post<{ authorizationId: string }>(
      '/payment/authorize',
      { orderId: period1, customerId: 'CUST-X', amount: 999, currency: 'usd' },
      { idempotencyKey: `${period1}/extra-authorize` },
    );
    await client.post(
      '/payment/capture',
      { authorizationId: extra.authorizationId },
      { idempotencyKey: `${period1}/extra-capture` },
    );
    const held = periodOrderId(cancelled.subscriptionId, 1);
    await client.post(
      '/payment/authorize',
      { orderId: held, customerId: 'CUST-X', amount: 500, currency: 'usd' },
      { idempotencyKey: `${held}/extra-authorize` },
    );

    const report = (await audit()).body;
    expect(report.ok).toBe(false);
    expect(report.violations).toEqual(
      expect.arrayContaining([
        {
          orderId: period1,
          rule: 'subscription_period_one_capture',
          detail: 'period 1: expected exactly one capture, found 2',
        },
        {
          orderId: held,
          rule: 'subscription_no_live_hold',
          detail: expect.stringMatching(/^period 1: cancelled subscription holds 500/),
        },
      ]),
    );
    await billed.handle.signal(cancelSignal, { by: 'test' });
  }, 60_000);
});
