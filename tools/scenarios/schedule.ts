/**
 * `make scenario-schedule`: the audit and restock Temporal Schedules through the API. It creates them
 * (replacing any left from before), triggers an audit and finds its report in the audit history,
 * backfills three missed audits, makes a SKU run low and has the restock schedule top it up, pauses
 * and unpauses, and ends with the audit. Both schedules are left paused for you to look at.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { localUrl, scheduleNames } from '@fake-stripe/kernel';
import type { ScheduleName } from '@fake-stripe/kernel';
import pc from 'picocolors';
import { localSetting } from '../stack/services.ts';
import { scheduleAction } from '../schedules.ts';
import type { ScheduleOptions } from '../schedules.ts';
import { api, call, describeError, env, ScenarioError } from './api.ts';
import { printChecks } from './orders.ts';
import type { Check } from './orders.ts';
import { printAudit } from './watch.ts';

type Run = { workflowId: string; runId: string; scheduledAt?: string };
type Description = { paused: boolean; runsTaken: number; recentRuns: Run[] };
type AuditRun = { workflowId: string; scheduleId: string | null; report: { ok: boolean; checkedOrders: number } };

const inventoryUrl = (process.env.INVENTORY_URL || localUrl('inventory')).replace(/\/+$/, '');
const uiSchedule = (name: string): string =>
  `${env.temporalUiUrl}/namespaces/${env.temporal.namespace}/schedules/${name}`;

async function must<T>(action: Parameters<typeof scheduleAction>[0], name?: ScheduleName, o?: ScheduleOptions) {
  const r = await scheduleAction(action, name, o);
  if (r.status >= 400) throw new ScenarioError(`${action} ${name ?? ''}: ${r.status} ${describeError(r.body)}`);
  return r.body as T;
}

/** Polls `read` until `done` holds, for at most `timeoutMs`. */
async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, timeoutMs = 60_000) {
  const t0 = Date.now();
  for (;;) {
    const v = await read();
    if (done(v)) return v;
    if (Date.now() - t0 > timeoutMs) throw new ScenarioError(`no ${what} after ${timeoutMs / 1000} s`);
    await sleep(500);
  }
}

const say = (msg: string): void => console.log(`  ${msg}`);
const history = () => must<{ runs: AuditRun[] }>('history', undefined, { limit: 100 }).then((h) => h.runs);
const describe = (name: ScheduleName) => must<Description>('describe', name);
/** Waits for a run's result through the API (GET /api/v1/workflows/{id}/result). */
async function finished(workflowId: string): Promise<void> {
  const path = `/api/v1/workflows/${encodeURIComponent(workflowId)}/result?wait=60`;
  const r = await call<{ status: string }>('get', path, { timeoutMs: 75_000 });
  if (r.status !== 200 || r.body.status !== 'completed')
    throw new ScenarioError(`${workflowId}: ${r.status} ${describeError(r.body)}`);
}

export async function runScheduleScenario(): Promise<number> {
  console.log(`\n${pc.bold('▶ schedule')} — the audit and restock Temporal Schedules through the API`);
  const checks: Check[] = [];
  for (const name of scheduleNames) {
    const gone = await scheduleAction('delete', name);
    if (gone.status === 200) say(pc.dim(`replaced the existing ${name} schedule`));
  }

  // 1. The audit, every minute, created paused: it runs only when asked.
  await must('create', 'audit', { every: 60, paused: true, note: 'make scenario-schedule' });
  say(`created ${pc.bold('audit')} (every 60 s, paused, overlap SKIP): ${uiSchedule('audit')}`);
  const before = (await history()).length;
  await must('trigger', 'audit');
  const runs = await until(history, (r) => r.length > before, 'report in the audit history');
  const [latest] = runs;
  say(`triggered: ${latest?.workflowId}, report ok=${latest?.report.ok}, ${latest?.report.checkedOrders} orders`);
  checks.push(['a triggered audit run keeps its report (GET /api/v1/audit/history)', latest?.scheduleId === 'audit']);
  checks.push(['the report is clean', latest?.report.ok === true]);

  // 2. Backfill: the three whole minutes of a window from 3.5 to 0.5 minutes ago, one after another.
  const minute = Math.floor(Date.now() / 60_000) * 60_000;
  await must('backfill', 'audit', {
    start: new Date(minute - 210_000).toISOString(),
    end: new Date(minute - 30_000).toISOString(),
  });
  const filled = await until(
    () => describe('audit'),
    (d) => d.runsTaken >= 4,
    'backfilled audit runs',
  );
  const backfilled = filled.recentRuns.slice(0, 3);
  for (const r of backfilled) await finished(r.workflowId);
  say(`backfilled: ${backfilled.map((r) => r.workflowId).join(', ')}`);
  checks.push(['a backfill ran each of the 3 missed times', filled.runsTaken === 4, `${filled.runsTaken} runs`]);

  // 3. Restock: a SKU below the threshold is topped up to the target level.
  const sku = `SCN-LOW-${Date.now().toString(36).toUpperCase()}`;
  const stocked = await fetch(`${inventoryUrl}/inventory/restock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${localSetting('ADMIN_TOKEN')}` },
    body: JSON.stringify({ sku, quantity: 2 }),
  });
  if (!stocked.ok) throw new ScenarioError(`POST /inventory/restock: ${stocked.status} ${await stocked.text()}`, true);
  say(`${sku} has 2 units; restock policy: below 5, up to 25`);
  await must('create', 'restock', { paused: true, restock: { threshold: 5, targetLevel: 25 } });
  await must('trigger', 'restock');
  const restocking = await until(
    () => describe('restock'),
    (d) => d.recentRuns.length > 0,
    'restock run',
  );
  await finished(restocking.recentRuns[0]?.workflowId ?? '');
  const stock = (await (await fetch(`${inventoryUrl}/inventory/stock`)).json()) as {
    items: Array<{ sku: string; available: number }>;
  };
  const after = stock.items.find((i) => i.sku === sku)?.available;
  say(`restocked: ${sku} now has ${after} units`);
  checks.push([`the restock run topped ${sku} up to 25`, after === 25, String(after)]);

  // 4. Pause and unpause, with notes the Temporal UI shows.
  const unpaused = await must<Description>('unpause', 'restock', { note: 'demo: running' });
  const paused = await must<Description>('pause', 'restock', { note: 'paused by make scenario-schedule' });
  checks.push(['unpause then pause', !unpaused.paused && paused.paused, `${unpaused.paused}, ${paused.paused}`]);
  const listed = await until(
    () => must<{ schedules: Array<{ name: string }> }>('list'),
    (l) => scheduleNames.every((n) => l.schedules.some((s) => s.name === n)),
    'audit and restock in the list',
  );
  checks.push(['both are listed', listed.schedules.length >= 2]);
  say(pc.dim(`left paused: make schedule action=unpause name=audit, make schedule action=delete name=restock`));

  const held = printChecks(checks);
  const clean = printAudit(await api.audit());
  const passed = held && clean;
  console.log(passed ? pc.green(pc.bold('\n✔ schedule passed')) : pc.red(pc.bold('\n✘ schedule failed')));
  return passed ? 0 : 1;
}
