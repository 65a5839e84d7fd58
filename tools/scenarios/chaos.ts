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
import pMap from 'p-map';
import pc from 'picocolors';
import { api, describeError, env, ScenarioError } from './api.ts';
import type { OrderBody } from './api.ts';
import { printScorecard } from './scorecard.ts';
import type { ActivityStats, History, Tracked } from './scorecard.ts';
import { seconds } from './watch.ts';
import { isTerminal, sampleOrder } from '@fake-stripe/kernel';

const CREATE_CONCURRENCY = 8;
const HISTORY_CONCURRENCY = 8;
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

/** Creates the batch's orders through the API, a few at a once; fails on the first refusal. */
async function startOrders(run: string, count: number): Promise<Tracked[]> {
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

/** Waits for every order until the deadline, with a progress bar over the finished ones. */
export async function waitForAll(orders: Tracked[], waitSeconds: number): Promise<void> {
  const count = orders.length;
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
  const deadline = Date.now() + waitSeconds * 1000;
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
}

/**
 * Retries and fulfilment times of the finished orders, from Temporal; without it (`note` says why),
 * the scorecard falls back to the times this tool observed.
 */
export async function readHistories(
  orders: Tracked[],
): Promise<{ histories: Map<string, History>; temporalNote: string }> {
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

  return { histories, temporalNote };
}

export async function runChaos(opts: { count: number; waitSeconds: number }): Promise<number> {
  const { count } = opts;
  const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`.toUpperCase();
  console.log(`\n${pc.bold(`▶ chaos`)} — ${count} orders, no fault plan: the services' live chaos decides every step`);
  console.log(pc.dim(`  API ${env.apiUrl}, orders ORD-CHAOS-${run}-1…${count}, waiting up to ${opts.waitSeconds} s`));
  const t0 = Date.now();
  const orders = await startOrders(run, count);
  console.log(`  ${pc.dim('started')}  ${count} workflows in ${seconds(Date.now() - t0)}`);

  await waitForAll(orders, opts.waitSeconds);
  // Start of the first order to the last one finished: the rate's time, before the history is read.
  const batchMs = Date.now() - t0;
  const { histories, temporalNote } = await readHistories(orders);
  const clean = printScorecard({ orders, count, batchMs, histories, temporalNote }, await api.audit());
  console.log(
    clean
      ? pc.green(pc.bold('\n✔ chaos passed: every order terminal, no audit violation'))
      : pc.red(pc.bold('\n✘ chaos failed')),
  );
  return clean ? 0 : 1;
}
