/**
 * The scenarios' events as terminal lines (status transitions, steps, compensations, actions) and a
 * progress bar while the label is created; the printing of an order's outcome and of the audit.
 */
import { isTerminal } from '@fake-stripe/kernel';
import { seconds } from '@fake-stripe/kernel/scenarios';
import type { ScenarioEvent } from '@fake-stripe/kernel/scenarios';
import { Presets, SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import pc from 'picocolors';
import { workflowLink } from './api.ts';
import type { Audit, OrderView } from './api.ts';

export { seconds };
const colour = (s: string): string =>
  s === 'shipped' ? pc.green(s) : isTerminal(s) ? pc.yellow(s) : s === 'compensation_stuck' ? pc.red(s) : pc.cyan(s);

/** Prints a followed order's events as they come (`print`); `stop` ends the label's progress bar. */
export function eventPrinter(): { print: (e: ScenarioEvent) => void; stop: () => void } {
  let bar: SingleBar | undefined;
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const say = (atMs: number, msg: string): void => {
    stop();
    console.log(`  ${pc.dim(`+${seconds(atMs).padStart(7)}`)}  ${msg}`);
  };
  const print = (e: ScenarioEvent): void => {
    if (e.kind === 'started') console.log(`  ${pc.dim('started')}  workflow ${e.workflowId}`);
    else if (e.kind === 'step') say(e.atMs, `${pc.green('✓')} ${e.step}`);
    else if (e.kind === 'status')
      say(
        e.atMs,
        `${colour(e.status)}${e.step ? pc.dim(` (step ${e.step})`) : ''}${e.failure ? pc.dim(` — ${e.failure}`) : ''}`,
      );
    else if (e.kind === 'compensation')
      say(e.atMs, `  ${pc.magenta('↩')} ${e.step}: ${e.outcome}${e.ids?.length ? pc.dim(` ${e.ids.join(', ')}`) : ''}`);
    else if (e.kind === 'action') say(e.atMs, `${pc.bold('→')} ${e.say}`);
    else {
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
        bar.start(100, e.percent);
      }
      bar.update(e.percent);
    }
  };
  return { print, stop };
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
