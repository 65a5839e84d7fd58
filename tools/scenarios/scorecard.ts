/**
 * The chaos batch's scorecard: outcomes, why orders were compensated, retries per activity (from
 * Temporal's histories), fulfilment times, the orders that did not finish, and the audit.
 */
import Table from 'cli-table3';
import pc from 'picocolors';
import { faultableActivities } from '@fake-stripe/kernel';
import { failureReason } from '@fake-stripe/kernel/scenarios';
import type { Tracked } from '@fake-stripe/kernel/scenarios';
import type { Audit, OrderView } from './api.ts';
import { percentile } from '../percentile.ts';
import { printAudit, seconds } from './watch.ts';

export type { Tracked };

export type ActivityStats = { runs: number; retried: number; extraAttempts: number; maxAttempt: number };
export type History = { durationMs?: number; activities: Map<string, ActivityStats> };

export interface Batch {
  orders: Tracked[];
  count: number;
  /** Start of the first order to the last one finished. */
  batchMs: number;
  histories: Map<string, History>;
  /** Why Temporal's histories could not be read, if so. */
  temporalNote: string;
}

type Finished = Tracked & { end: OrderView };
const table = (head: string[]) =>
  new Table({ head: head.map((h) => pc.bold(h)), style: { head: [], border: [], compact: true } });

function outcomes({ count, batchMs }: Batch, finished: Finished[], stuck: Tracked[], unfinished: Tracked[]): void {
  const by = (status: string): number => finished.filter((o) => o.end.status === status).length;
  const pct = (n: number): string => `${n}`.padStart(4) + pc.dim(` (${Math.round((100 * n) / count)}%)`);
  const rate = `${((finished.length + stuck.length) / (batchMs / 1000)).toFixed(2)} orders/s`;
  console.log(`\n${pc.bold('scorecard')} ${pc.dim(`${count} orders in ${seconds(batchMs)} (${rate})`)}`);
  const outcome = table(['outcome', 'orders']);
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
}

function reasons(finished: Finished[]): void {
  const why = new Map<string, number>();
  for (const o of finished) {
    const key = failureReason(o.end);
    if (key) why.set(key, (why.get(key) ?? 0) + 1);
  }
  if (why.size > 0) {
    const t = table(['why compensated (step: cause)', 'orders']);
    for (const [k, n] of [...why].sort((a, b) => b[1] - a[1])) t.push([k, n]);
    console.log(t.toString());
  }
}

function retries({ histories, temporalNote }: Batch): void {
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
    const t = table(['activity', 'executions', 'retried', 'retries (attempts > 1)', 'max attempt']);
    const order: readonly string[] = faultableActivities; // the saga's activities, in order
    const rank = (a: string): number => order.indexOf(a) + 1 || 99;
    for (const [type, s] of [...totals].sort((a, b) => rank(a[0]) - rank(b[0])))
      t.push([type, s.runs, s.retried, s.extraAttempts, s.maxAttempt]);
    const all = [...totals.values()].reduce((sum, s) => sum + s.extraAttempts, 0);
    t.push([pc.bold('total'), '', '', pc.bold(String(all)), '']);
    console.log(t.toString());
  }
}

function fulfilmentTimes({ histories }: Batch, finished: Finished[]): void {
  const times = (list: Tracked[]): number[] =>
    list
      .map((o) => histories.get(o.orderId)?.durationMs ?? o.observedMs ?? NaN)
      .filter((ms) => !Number.isNaN(ms))
      .sort((a, b) => a - b);
  const fmt = (ms: number | undefined): string => (ms === undefined ? '-' : seconds(ms));
  const t = table(['fulfilment time (start → close)', 'orders', 'p50', 'p95', 'max']);
  for (const [label, list] of [
    ['all finished', finished],
    ['shipped', finished.filter((o) => o.end.status === 'shipped')],
    ['compensated', finished.filter((o) => o.end.status !== 'shipped')],
  ] as const) {
    const s = times([...list]);
    t.push([label, s.length, fmt(percentile(s, 50)), fmt(percentile(s, 95)), fmt(s.at(-1))]);
  }
  console.log(t.toString());
}

/** Prints the scorecard; true when every order is terminal and the audit found no violation. */
export function printScorecard(batch: Batch, audit: Audit): boolean {
  const { orders } = batch;
  const finished = orders.filter((o): o is Finished => o.end !== undefined);
  const unfinished = orders.filter((o) => !o.end && !o.stuck);
  const stuck = orders.filter((o) => o.stuck);
  outcomes(batch, finished, stuck, unfinished);
  reasons(finished);
  retries(batch);
  fulfilmentTimes(batch, finished);
  for (const o of [...stuck, ...unfinished])
    console.log(
      pc.red(
        `  ✘ ${o.orderId}: ${o.stuck ? 'compensation_stuck (needs an operator)' : `still ${o.last ?? 'running'}`}`,
      ),
    );
  const clean = printAudit(
    audit,
    orders.map((o) => o.orderId),
  );
  return clean && stuck.length === 0 && unfinished.length === 0;
}
