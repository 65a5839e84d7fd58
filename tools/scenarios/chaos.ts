/**
 * The chaos batch: N orders with no fault plan, so the services' live chaos decides every
 * step; a progress bar over finished orders; then a scorecard — outcomes, why orders failed, retries
 * per activity (from each workflow's history, read with @temporalio/client), p50/p95 fulfilment time
 * (workflow start → close) and the audit. Fails on any audit violation, and on any order that is not
 * terminal after the bounded wait (compensation_stuck included: it needs an operator).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { MultiBar, Presets } from 'cli-progress';
import Table from 'cli-table3';
import pMap from 'p-map';
import pc from 'picocolors';
import { api, describeError, env, ScenarioError } from './api.ts';
import type { OrderBody, OrderView } from './api.ts';
import { printAudit, seconds } from './watch.ts';
import { faultableActivities, isTerminal, sampleOrder } from '@fake-stripe/kernel';

type Tracked = {
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
const HISTORY_CONCURRENCY = 8;
/**
 * Orders waited for at once. Each waiter holds a long poll open in the API, which holds a Temporal
 * call open: thousands at once exhaust the dev server (a 5000-order soak timed out every call). An
 * order finishes on its own whether or not it is being waited for; its time comes from Temporal.
 */
const WAIT_CONCURRENCY = 64;

/** A random order of 1–3 catalog lines; its total is the exact sum of the lines. */
function randomOrder(orderId: string, i: number): OrderBody {
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

/** Waits for one order: long-polls its result, and looks at its status to notice compensation_stuck. */
async function waitFor(o: Tracked, deadline: number): Promise<void> {
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

type ActivityStats = { runs: number; retried: number; extraAttempts: number; maxAttempt: number };
type History = { durationMs?: number; activities: Map<string, ActivityStats> };

/** Activities' attempts and the workflow's start → close time, from Temporal. */
async function readHistory(client: Client, workflowId: string): Promise<History> {
  const handle = client.workflow.getHandle(workflowId);
  const [desc, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
  const typeOf = new Map<string, string>();
  const activities = new Map<string, ActivityStats>();
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) typeOf.set(String(e.eventId), scheduled.activityType?.name ?? '?');
    const started = e.activityTaskStartedEventAttributes;
    if (!started) continue;
    // Only an activity's last attempt is in the history; its `attempt` says how many there were.
    const type = typeOf.get(String(started.scheduledEventId)) ?? '?';
    const attempt = started.attempt ?? 1;
    const s = activities.get(type) ?? { runs: 0, retried: 0, extraAttempts: 0, maxAttempt: 0 };
    s.runs++;
    if (attempt > 1) s.retried++;
    s.extraAttempts += attempt - 1;
    s.maxAttempt = Math.max(s.maxAttempt, attempt);
    activities.set(type, s);
  }
  const durationMs = desc.closeTime ? desc.closeTime.getTime() - desc.startTime.getTime() : undefined;
  return { ...(durationMs !== undefined && { durationMs }), activities };
}

/** Nearest-rank percentile of sorted values. */
const percentile = (sorted: number[], p: number): number | undefined =>
  sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];

export async function runChaos(opts: { count: number; waitSeconds: number }): Promise<number> {
  const { count } = opts;
  const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`.toUpperCase();
  console.log(`\n${pc.bold(`▶ chaos`)} — ${count} orders, no fault plan: the services' live chaos decides every step`);
  console.log(pc.dim(`  API ${env.apiUrl}, orders ORD-CHAOS-${run}-1…${count}, waiting up to ${opts.waitSeconds} s`));
  const t0 = Date.now();
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
  console.log(`  ${pc.dim('started')}  ${count} workflows in ${seconds(Date.now() - t0)}`);

  const bars = new MultiBar(
    {
      format: `  {bar} {value}/{total} finished | ${pc.green('shipped {shipped}')} | ${pc.yellow('compensated {compensated}')} | ${pc.red('stuck {stuck}')} | {duration_formatted}`,
      stream: process.stdout,
      noTTYOutput: true,
      notTTYSchedule: 10_000,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const tally = { shipped: 0, compensated: 0, stuck: 0 };
  const bar = bars.create(count, 0, tally);
  const deadline = Date.now() + opts.waitSeconds * 1000;
  await pMap(
    orders,
    async (o) => {
      await waitFor(o, deadline);
      if (o.stuck) tally.stuck++;
      else if (o.end?.status === 'shipped') tally.shipped++;
      else if (o.end) tally.compensated++;
      if (o.stuck || o.end) bar.increment(1, tally);
    },
    { concurrency: WAIT_CONCURRENCY },
  );
  bar.update(tally);
  bars.stop();
  // Start of the first order to the last one finished: the rate's time, before the history is read.
  const batchMs = Date.now() - t0;

  // Retries and fulfilment times, from Temporal (optional: without it, client-observed times).
  const histories = new Map<string, History>();
  let temporalNote = '';
  try {
    const connection = await Connection.connect({ ...env.temporal.connection, connectTimeout: 3000 });
    const client = new Client({ connection, namespace: env.temporal.namespace });
    await pMap(
      orders.filter((o) => o.end),
      async (o) => {
        histories.set(o.orderId, await readHistory(client, o.workflowId));
      },
      { concurrency: HISTORY_CONCURRENCY },
    );
    await connection.close();
  } catch (err) {
    temporalNote = `no history from Temporal at ${env.temporal.connection.address} (${(err as Error).message}): times are as observed by this tool, retries unknown`;
  }

  const finished = orders.filter((o): o is Tracked & { end: OrderView } => o.end !== undefined);
  const unfinished = orders.filter((o) => !o.end && !o.stuck);
  const stuck = orders.filter((o) => o.stuck);
  const by = (status: string): number => finished.filter((o) => o.end.status === status).length;
  const pct = (n: number): string => `${n}`.padStart(4) + pc.dim(` (${Math.round((100 * n) / count)}%)`);

  const rate = `${((finished.length + stuck.length) / (batchMs / 1000)).toFixed(2)} orders/s`;
  console.log(`\n${pc.bold('scorecard')} ${pc.dim(`${count} orders in ${seconds(batchMs)} (${rate})`)}`);
  const outcome = new Table({
    head: ['outcome', 'orders'].map((h) => pc.bold(h)),
    style: { head: [], border: [], compact: true },
  });
  outcome.push(
    [pc.green('shipped'), pct(by('shipped'))],
    [pc.yellow('compensated'), pct(by('failed') + by('cancelled') + by('rejected'))],
    [pc.dim('  failed'), pct(by('failed'))],
    [pc.dim('  cancelled'), pct(by('cancelled'))],
    [pc.dim('  rejected'), pct(by('rejected'))],
    [pc.red('stuck (compensation_stuck)'), pct(stuck.length)],
    [pc.red('not finished in time'), pct(unfinished.length)],
    [pc.dim('shipped without e-mail'), pct(finished.filter((o) => o.end.notificationFailed).length)],
  );
  console.log(outcome.toString());

  const reasons = new Map<string, number>();
  for (const o of finished)
    if (o.end.failure) {
      const f = o.end.failure;
      // A business code (card_declined) says it all; otherwise the transient fault that outlasted the retries.
      const cause = /^[a-z_]+$/.test(f.type ?? '')
        ? f.type
        : `retries exhausted: ${f.message.replace(/^[A-Z]+ \S+: /, '').slice(0, 45)}`;
      const key = `${f.step}: ${cause}`;
      reasons.set(key, (reasons.get(key) ?? 0) + 1);
    }
  if (reasons.size > 0) {
    const t = new Table({
      head: ['why compensated (step: cause)', 'orders'].map((h) => pc.bold(h)),
      style: { head: [], border: [], compact: true },
    });
    for (const [k, n] of [...reasons].sort((a, b) => b[1] - a[1])) t.push([k, n]);
    console.log(t.toString());
  }

  if (temporalNote) console.log(pc.yellow(`  ${temporalNote}`));
  else {
    const totals = new Map<string, ActivityStats>();
    for (const h of histories.values())
      for (const [type, s] of h.activities) {
        const t = totals.get(type) ?? { runs: 0, retried: 0, extraAttempts: 0, maxAttempt: 0 };
        totals.set(type, {
          runs: t.runs + s.runs,
          retried: t.retried + s.retried,
          extraAttempts: t.extraAttempts + s.extraAttempts,
          maxAttempt: Math.max(t.maxAttempt, s.maxAttempt),
        });
      }
    const t = new Table({
      head: ['activity', 'executions', 'retried', 'retries (attempts > 1)', 'max attempt'].map((h) => pc.bold(h)),
      style: { head: [], border: [], compact: true },
    });
    const order: readonly string[] = faultableActivities; // the saga's activities, in order
    const rank = (a: string): number => order.indexOf(a) + 1 || 99;
    for (const [type, s] of [...totals].sort((a, b) => rank(a[0]) - rank(b[0])))
      t.push([type, s.runs, s.retried, s.extraAttempts, s.maxAttempt]);
    const all = [...totals.values()].reduce((sum, s) => sum + s.extraAttempts, 0);
    t.push([pc.bold('total'), '', '', pc.bold(String(all)), '']);
    console.log(t.toString());
  }

  const times = (list: Tracked[]): number[] =>
    list
      .map((o) => histories.get(o.orderId)?.durationMs ?? o.observedMs ?? NaN)
      .filter((ms) => !Number.isNaN(ms))
      .sort((a, b) => a - b);
  const fmt = (ms: number | undefined): string => (ms === undefined ? '-' : seconds(ms));
  const t = new Table({
    head: ['fulfilment time (start → close)', 'orders', 'p50', 'p95', 'max'].map((h) => pc.bold(h)),
    style: { head: [], border: [], compact: true },
  });
  for (const [label, list] of [
    ['all finished', finished],
    ['shipped', finished.filter((o) => o.end.status === 'shipped')],
    ['compensated', finished.filter((o) => o.end.status !== 'shipped')],
  ] as const) {
    const s = times([...list]);
    t.push([label, s.length, fmt(percentile(s, 50)), fmt(percentile(s, 95)), fmt(s.at(-1))]);
  }
  console.log(t.toString());

  for (const o of [...stuck, ...unfinished])
    console.log(
      pc.red(
        `  ✘ ${o.orderId}: ${o.stuck ? 'compensation_stuck (needs an operator)' : `still ${o.last ?? 'running'}`}`,
      ),
    );
  const clean = printAudit(
    await api.audit(),
    orders.map((o) => o.orderId),
  );
  const passed = clean && stuck.length === 0 && unfinished.length === 0;
  console.log(
    passed
      ? pc.green(pc.bold('\n✔ chaos passed: every order terminal, no audit violation'))
      : pc.red(pc.bold('\n✘ chaos failed')),
  );
  return passed ? 0 : 1;
}
