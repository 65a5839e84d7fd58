/**
 * Following one order through the API: status transitions as they happen, a progress bar while the
 * label is created, compensations as they land, actions fired when the order reaches a state; and
 * the printing of an order's outcome and of the audit.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { isTerminal } from '@fake-stripe/kernel';
import { Presets, SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import pc from 'picocolors';
import { api, ScenarioError, workflowLink } from './api.ts';
import type { Audit, OrderView } from './api.ts';

/** Something a scenario does once, the first time `when` holds (approve, reject, cancel ...). */
export type Action = { when: (v: OrderView, inStatusMs: number) => boolean; say: string; run: () => Promise<void> };

const POLL_MS = 400;
/** Consecutive failed status calls tolerated (the workflow's first task may not have run yet). */
const MAX_MISSES = 10;

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const colour = (s: string): string =>
  s === 'shipped' ? pc.green(s) : isTerminal(s) ? pc.yellow(s) : s === 'compensation_stuck' ? pc.red(s) : pc.cyan(s);

/**
 * Polls the order's status until it is terminal (then reads the workflow's result) or parked in
 * compensation_stuck, firing `actions` on the way. Throws a ScenarioError after `timeoutMs`.
 */
export async function follow(workflowId: string, actions: Action[], timeoutMs: number): Promise<OrderView> {
  const t0 = Date.now();
  const pending = [...actions];
  let last: OrderView | undefined;
  let statusSince = t0;
  let comps = 0;
  let done = 0;
  let misses = 0;
  let bar: SingleBar | undefined;
  const stopBar = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const say = (msg: string): void => {
    stopBar();
    console.log(`  ${pc.dim(`+${seconds(Date.now() - t0).padStart(7)}`)}  ${msg}`);
  };
  try {
    for (;;) {
      if (Date.now() - t0 > timeoutMs)
        throw new ScenarioError(`${workflowId} is still ${last?.status ?? 'unknown'} after ${seconds(timeoutMs)}`);
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
      for (const step of v.completedSteps.slice(done)) say(`${pc.green('✓')} ${step}`);
      done = v.completedSteps.length;
      if (v.status !== last?.status) {
        statusSince = Date.now();
        const step = v.currentStep ? pc.dim(` (step ${v.currentStep})`) : '';
        const why =
          v.status === 'compensating' && v.failure ? pc.dim(` — ${v.failure.step}: ${v.failure.message}`) : '';
        say(`${colour(v.status)}${step}${why}`);
      }
      for (const c of v.compensations.slice(comps))
        say(`  ${pc.magenta('↩')} ${c.step}: ${c.outcome}${c.ids?.length ? pc.dim(` ${c.ids.join(', ')}`) : ''}`);
      comps = v.compensations.length;
      last = v;
      for (const a of [...pending]) {
        if (!a.when(v, Date.now() - statusSince)) continue;
        pending.splice(pending.indexOf(a), 1);
        say(`${pc.bold('→')} ${a.say}`);
        await a.run();
      }
      if (v.status === 'compensation_stuck') return v;
      if (isTerminal(v.status)) {
        stopBar();
        // The status query saw the end; the result is the workflow's own final answer.
        const r = await api.result(workflowId, 30);
        if ('closed' in r) throw new ScenarioError(`${workflowId}: ${r.closed}`);
        return 'done' in r ? r.done : v;
      }
      if (v.status === 'shipping') {
        if (!bar) {
          bar = new SingleBar(
            {
              format: `  ${pc.dim('label'.padStart(9))}  {bar} {value}%`,
              stream: process.stdout,
              noTTYOutput: true,
              notTTYSchedule: 5000,
              hideCursor: true,
            },
            Presets.shades_classic,
          );
          bar.start(100, Math.round(v.currentStepProgress ?? 0));
        }
        bar.update(Math.round(v.currentStepProgress ?? 0));
      }
      await sleep(POLL_MS);
    }
  } finally {
    stopBar();
  }
}

/** The order's end state, one line per fact. */
export function printOrder(v: OrderView, workflowId: string): void {
  const rows: Array<[string, string]> = [
    ['status', colour(v.status)],
    ['completed steps', v.completedSteps.join(' → ') || '-'],
    ['compensations', v.compensations.map((c) => `${c.step} (${c.outcome})`).join(' → ') || '-'],
  ];
  if (v.failure)
    rows.push(['failure', `${v.failure.step}${v.failure.type ? ` [${v.failure.type}]` : ''}: ${v.failure.message}`]);
  if (v.approval)
    rows.push([
      'approval',
      `${v.approval.approved ? 'approved' : 'rejected'} by ${v.approval.by ?? '?'}${v.approval.timedOut ? ' (timed out)' : ''}${v.approval.reason ? `: ${v.approval.reason}` : ''}`,
    ]);
  if (v.trackingNumber) rows.push(['tracking number', v.trackingNumber]);
  if (v.notificationFailed) rows.push(['notification', pc.yellow('failed (the order ships anyway)')]);
  rows.push(['Temporal UI', workflowLink(workflowId)]);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, val] of rows) console.log(`  ${pc.dim(k.padEnd(width))}  ${val}`);
}

/** Prints the auditor's report; true when it found no violation. */
export function printAudit(audit: Audit, mine: string[] = []): boolean {
  const n = audit.violations.length;
  const head = `audit: ${audit.checkedOrders} orders checked, ${n} violation${n === 1 ? '' : 's'}, ${audit.stuck.length} stuck`;
  console.log(`\n${n === 0 ? pc.green(`✔ ${head}`) : pc.red(`✘ ${head}`)}`);
  if (audit.stuck.length > 0)
    console.log(pc.red(`  stuck (compensation_stuck, needs an operator): ${audit.stuck.join(', ')}`));
  if (n > 0) {
    const table = new Table({
      head: ['order', 'rule', 'detail'].map((h) => pc.bold(h)),
      style: { head: [], border: [], compact: true },
      wordWrap: true,
      colWidths: [30, 28, 70],
    });
    for (const v of audit.violations.slice(0, 30)) {
      const what = v.orderId ?? (v.sku ? `SKU ${v.sku}` : '-');
      table.push([mine.includes(what) ? pc.bold(what) : what, v.rule, v.detail]);
    }
    console.log(table.toString());
    if (n > 30) console.log(pc.dim(`  ... and ${n - 30} more`));
  }
  return n === 0;
}
