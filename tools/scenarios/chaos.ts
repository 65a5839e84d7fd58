/**
 * The chaos batch: N orders with no fault plan, so the services' live chaos decides every
 * step; a progress bar over finished orders; then a scorecard — outcomes, why orders failed, retries
 * per activity (from each workflow's history, read with @temporalio/client), p50/p95 fulfilment time
 * (workflow start → close) and the audit. Fails on any audit violation, and on any order that is not
 * terminal after the bounded wait (compensation_stuck included: it needs an operator).
 */
import { Client, Connection } from '@temporalio/client';
import { MultiBar, Presets } from 'cli-progress';
import pMap from 'p-map';
import pc from 'picocolors';
import { batchRunId, startBatch, waitForBatch } from '@fake-stripe/kernel/scenarios';
import type { Tracked } from '@fake-stripe/kernel/scenarios';
import { api, env } from './api.ts';
import { printScorecard } from './scorecard.ts';
import type { ActivityStats, History } from './scorecard.ts';
import { seconds } from './watch.ts';

export { randomOrder } from '@fake-stripe/kernel/scenarios';

const HISTORY_CONCURRENCY = 8;

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
  await waitForBatch(api, orders, waitSeconds, (o) => {
    if (o.stuck) tally.stuck++;
    else if (o.end?.status === 'shipped') tally.shipped++;
    else tally.compensated++;
    bar.increment(1, tally);
  });
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
  const run = batchRunId();
  console.log(`\n${pc.bold(`▶ chaos`)} — ${count} orders, no fault plan: the services' live chaos decides every step`);
  console.log(pc.dim(`  API ${env.apiUrl}, orders ORD-CHAOS-${run}-1…${count}, waiting up to ${opts.waitSeconds} s`));
  const t0 = Date.now();
  const orders = await startBatch(api, run, count);
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
