/**
 * The orders part of `make bench` (tools/bench.ts): order sagas per second end to end, against a
 * baseline workflow of 5 no-op activities, in the same run on the same Temporal dev server.
 *
 * One dev server (free ports, SQLite in a temp dir, the pragmas printed), then one phase at a time:
 * 1. baseline: tools/bench/baseline-worker.ts on its own task queue; for each count of BENCH_STARTERS
 *    (8,32), that many loops of `workflow.start` + `result()` (@temporalio/client, in this process).
 * 2. orders: the four domain services (chaos file `{"profile":"off"}`: no faults, no latency, label
 *    time 0), the real worker (services/worker/src/main.ts, its own task queue) and the API as real
 *    processes; for each count of BENCH_STARTERS, that many loops of `POST /api/v1/order` +
 *    `GET .../result?wait=60`.
 * Each run: BENCH_ORDERS_WARMUP s of warm-up (not counted), then BENCH_ORDERS_DURATION s measured.
 * 3. latency (tools/bench/half-rate.ts): on the same processes, orders sent open-loop at half the
 *    highest rate phase 2 reached, for BENCH_LATENCY_S (20) s: the order-start p50/p99 a user sees on
 *    a platform that keeps up, and schedule-to-start p99 from the worker's metrics.
 * Reports per run completed/s, start-call and completion p50/p99, statuses, and each process's CPU
 * in the window; the ratio orders/baseline per starter count (goal ≥ 0.8 at 32 starters, reported,
 * not enforced). Writes .data/bench/orders.json. Fails (exit 1) on errors or an order that did not ship.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SERVICE_NODE_OPTIONS, sampleOrder, temporalSqlitePragmas } from '@fake-stripe/kernel';
import { freePort } from '@fake-stripe/kernel/testing';
import { orderWorkflowId } from '@fake-stripe/kernel/workflow-definitions';
import { Client } from '@temporalio/client';
import Table from 'cli-table3';
import pc from 'picocolors';
import { searchAttributes } from '../stack/services.ts';
import type { baselineWorkflow } from './baseline-workflow.ts';
import { GOAL_STARTERS, GOALS } from './goals.ts';
import { runHalfRate } from './half-rate.ts';
import type { HalfRate } from './half-rate.ts';
import { parseStarters, runLoad } from './load.ts';
import type { LoadResult, Outcome } from './load.ts';
import {
  chaosOffDir,
  cpuSeconds,
  killAll,
  printMachine,
  spawnChild,
  startServer,
  waitReady,
  writeReport,
} from './process.ts';
import type { Child, Server } from './process.ts';
import { hasPollers, serverCounters, startDevServer } from './stack.ts';
import type { DevServer } from './stack.ts';

const root = path.resolve(import.meta.dirname, '../..');
const positive = (name: string, fallback: number): number => Math.floor(Number(process.env[name])) || fallback;
const DURATION_S = positive('BENCH_ORDERS_DURATION', 60);
const STARTERS = parseStarters(process.env.BENCH_STARTERS);
/** Workflow numbers of each run start at its index × this, so no two runs reuse an id. */
const RUN_SEQ = 100_000;
const WARMUP_S = positive('BENCH_ORDERS_WARMUP', 5);
const PROGRESS_S = 5;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL?.trim() || 'info';
/** BENCH_SQLITE_PRAGMAS: comma-separated PRAGMA=VALUE (default: those `make up` uses); `none`: the dev server's own defaults. */
function pragmas(raw = process.env.BENCH_SQLITE_PRAGMAS?.trim() || temporalSqlitePragmas.join(',')): string[] {
  if (raw === 'none') return [];
  return raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}
const PRAGMAS = pragmas();
/** Seconds of the latency phase at half the saturating rate. */
const LATENCY_S = positive('BENCH_LATENCY_S', 20);
const GOAL = GOALS.ordersRatio;
const OUT_FILE = '.data/bench/orders.json';
const TEMPORAL_BIN = path.join(root, '.tools/bin/temporal');

const say = (msg: string): void => console.log(`${pc.cyan('▶')} ${msg}`);
const runId = randomUUID().slice(0, 8);
let tmp: string | undefined;

/** Kills every process of this part and removes its temp dir (SIGINT path; process.ts's killAll too). */
export function cleanupOrders(): void {
  killAll();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

interface Phase extends LoadResult {
  /** CPU in the window per process: % of one core, and ms per completed workflow. */
  cpu: Record<string, { percent: number; msPerWorkflow: number }>;
  /** The history of one workflow of the phase: what the server stored for it, by event type. */
  history: { workflowId: string; events: number; byType: Record<string, number> };
  /**
   * The dev server's work in the window per completed workflow: frontend RPCs (`rpc:<Operation>`),
   * persistence requests (`db:<Operation>`), milliseconds spent in persistence (`dbMs`), and the same
   * for the visibility store (`vis:<Operation>`, `visMs`).
   */
  server: Record<string, number>;
}

/** The dev server's counters at the window's edges, as differences per completed workflow. */
function serverMeter(metricsUrl: string) {
  let start: Promise<Record<string, number>> | undefined;
  let end: Promise<Record<string, number>> | undefined;
  return {
    onWindow: (edge: 'start' | 'end'): void => {
      const read = serverCounters(metricsUrl).catch((): Record<string, number> => ({}));
      if (edge === 'start') start = read;
      else end = read;
    },
    async result(completed: number): Promise<Phase['server']> {
      const none: Record<string, number> = {};
      const [a, b] = await Promise.all([start ?? none, end ?? none]);
      const out: Phase['server'] = {};
      for (const [key, value] of Object.entries(b)) {
        const per = (value - (a[key] ?? 0)) / Math.max(1, completed);
        if (per <= 0) continue;
        if (key.endsWith('Seconds')) out[key.replace(/Seconds$/, 'Ms')] = per * 1000;
        else out[key] = per;
      }
      return out;
    },
  };
}

/** The events of a workflow's history, counted by type (`ActivityTaskScheduled`, ...). */
async function historyOf(client: Client, workflowId: string): Promise<Phase['history']> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const byType: Record<string, number> = {};
  for (const event of events) {
    // Events are protobufjs messages: toJSON() renders the enum by name (EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).
    const named = (event as { toJSON(): { eventType?: unknown } }).toJSON().eventType;
    const raw = typeof named === 'string' ? named : String(event.eventType);
    const type = raw
      .replace(/^EVENT_TYPE_/, '')
      .toLowerCase()
      .replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
    byType[type] = (byType[type] ?? 0) + 1;
  }
  return { workflowId, events: events.length, byType };
}

/** CPU seconds of each process (and this one) at the window's edges. */
function cpuMeter(pids: () => Record<string, number>) {
  const read = async (): Promise<Record<string, number>> => {
    const self = process.cpuUsage();
    const reads = Object.entries(pids()).map(
      async ([name, pid]) => [name, await cpuSeconds(pid).catch(() => NaN)] as const,
    );
    const out: Record<string, number> = {};
    for (const [name, s] of await Promise.all(reads)) if (!Number.isNaN(s)) out[name] = s; // NaN: gone, left out
    out['bench (load generator)'] = (self.user + self.system) / 1e6;
    return out;
  };
  let start: Promise<Record<string, number>> | undefined;
  let end: Promise<Record<string, number>> | undefined;
  return {
    onWindow: (edge: 'start' | 'end'): void => {
      if (edge === 'start') start = read();
      else end = read();
    },
    async result(windowS: number, completed: number): Promise<Phase['cpu']> {
      const none: Record<string, number> = {};
      const [a, b] = await Promise.all([start ?? none, end ?? none]);
      const cpu: Phase['cpu'] = {};
      let total = 0;
      for (const [name, s] of Object.entries(b)) {
        const used = s - (a[name] ?? s);
        total += used;
        cpu[name] = {
          percent: Math.round((used / windowS) * 100),
          msPerWorkflow: (used * 1000) / Math.max(1, completed),
        };
      }
      cpu.total = {
        percent: Math.round((total / windowS) * 100),
        msPerWorkflow: (total * 1000) / Math.max(1, completed),
      };
      return cpu;
    },
  };
}

async function measure(
  server: DevServer,
  starters: number,
  name: string,
  success: string,
  pids: () => Record<string, number>,
  run: (seq: number) => Promise<Outcome>,
  sample: { client: Client; workflowId: string },
): Promise<Phase> {
  const meter = cpuMeter(pids);
  const counters = serverMeter(server.metricsUrl);
  say(`${name}: ${starters} starters, warm-up ${WARMUP_S} s, measuring ${DURATION_S} s`);
  const r = await runLoad({
    name: `${name} ×${starters}`,
    starters,
    warmupS: WARMUP_S,
    durationS: DURATION_S,
    success,
    progressS: PROGRESS_S,
    run,
    onWindow: (edge) => {
      meter.onWindow(edge);
      counters.onWindow(edge);
    },
  });
  const statuses = Object.entries(r.statuses)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  say(
    `${name}: ${r.perSecond.toFixed(1)}/s, completion p50 ${r.completionMs.p50} ms p99 ${r.completionMs.p99} ms; ` +
      `${r.started} started, statuses: ${statuses || 'none'}, ${r.errors} errors`,
  );
  const history = await historyOf(sample.client, sample.workflowId);
  const top = Object.entries(history.byType)
    .sort((a, b) => b[1] - a[1])
    .map(([type, n]) => `${type} ${n}`)
    .join(', ');
  say(`${name}: history of ${history.workflowId}: ${history.events} events (${top})`);
  return { ...r, cpu: await meter.result(r.windowS, r.completed), history, server: await counters.result(r.completed) };
}

/** An order whose items add up to its total: 1 × 19.99 + 2 × 5.25 = 30.49, SKUs rotating over the catalog. */
function orderBody(orderId: string, seq: number): string {
  const sku = (i: number): string => `ITEM-${String((i % 20) + 1).padStart(3, '0')}`;
  return JSON.stringify(
    sampleOrder(orderId, {
      customerId: `CUST-${seq % 100}`,
      items: [
        { sku: sku(seq), quantity: 1, price: 19.99 },
        { sku: sku(seq + 7), quantity: 2, price: 5.25 },
      ],
      totalAmount: 30.49,
      customerEmail: 'bench@example.com',
    }),
  );
}

/** POST one order through the API; resolves with its workflow id once accepted. */
async function startOrder(api: string, seq: number): Promise<{ workflowId: string }> {
  const orderId = `BENCH-${runId}-${seq}`;
  const res = await fetch(`${api}/api/v1/order`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: orderBody(orderId, seq),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST /api/v1/order ${orderId}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as { workflowId: string };
}

/** The order's final status, long-polling its result. */
async function finishOrder(api: string, workflowId: string): Promise<string> {
  const deadline = Date.now() + 5 * 60_000;
  while (Date.now() < deadline) {
    const r = await fetch(`${api}/api/v1/order/${encodeURIComponent(workflowId)}/result?wait=60`);
    const body = (await r.json()) as { status: string; result?: { status?: string }; error?: { message: string } };
    if (r.status === 202) continue;
    if (r.status !== 200) throw new Error(`GET result of ${workflowId}: ${r.status} ${JSON.stringify(body)}`);
    if (body.status === 'completed') return body.result?.status ?? 'completed without status';
    return `workflow ${body.status}: ${body.error?.message ?? ''}`.trim();
  }
  throw new Error(`${workflowId}: no result in 5 minutes`);
}

/** One order through the API: POST, then the long-polled result until it is final. */
async function oneOrder(api: string, seq: number): Promise<Outcome> {
  const t0 = performance.now();
  const { workflowId } = await startOrder(api, seq);
  const callMs = performance.now() - t0;
  return { callMs, status: await finishOrder(api, workflowId) };
}

/** One concurrency's results: the baseline and the orders at that many starters, and their ratio. */
export interface Run {
  starters: number;
  baseline: Phase;
  orders: Phase;
  /** orders ÷ baseline completed per second. */
  ratio: number;
}

/** Measures `run` at each count of STARTERS in turn, the workflows of each numbered apart. */
async function eachStarters(
  server: DevServer,
  name: string,
  success: string,
  pids: () => Record<string, number>,
  run: (seq: number) => Promise<Outcome>,
  sample: (seq: number) => { client: Client; workflowId: string },
): Promise<Map<number, Phase>> {
  const out = new Map<number, Phase>();
  for (const [i, starters] of STARTERS.entries()) {
    const base = i * RUN_SEQ;
    out.set(starters, await measure(server, starters, name, success, pids, (seq) => run(base + seq), sample(base + 1)));
  }
  return out;
}

async function baselinePhase(server: DevServer, dir: string): Promise<Map<number, Phase>> {
  const taskQueue = `bench-baseline-${runId}`;
  const t = Date.now();
  const worker = spawnChild(
    'baseline-worker',
    process.execPath,
    [path.join(root, 'tools/bench/baseline-worker.ts')],
    { ...process.env, TEMPORAL_ADDRESS: server.address, TASK_QUEUE: taskQueue },
    path.join(dir, 'baseline-worker.log'),
  );
  try {
    await waitReady(worker, () => hasPollers(server.connection, taskQueue), 60_000);
    say(`baseline: worker pid ${worker.pid} polling ${taskQueue} (${Date.now() - t} ms)`);
    const client = new Client({ connection: server.connection, namespace: 'default' });
    return await eachStarters(
      server,
      'baseline',
      'done',
      () => ({ temporal: server.pid, 'worker (baseline)': worker.pid }),
      async (seq) => {
        const t0 = performance.now();
        const handle = await client.workflow.start<typeof baselineWorkflow>('baselineWorkflow', {
          taskQueue,
          workflowId: `bench-baseline-${runId}-${seq}`,
        });
        const callMs = performance.now() - t0;
        return { callMs, status: (await handle.result()).status };
      },
      (seq) => ({ client, workflowId: `bench-baseline-${runId}-${seq}` }),
    );
  } finally {
    await worker.stop();
  }
}

/** The closed-loop orders runs, then the latency phase at half the highest rate they reached, on the same processes. */
async function ordersPhase(
  server: DevServer,
  dir: string,
  chaosFile: string,
): Promise<{ orders: Map<number, Phase>; halfRate: HalfRate }> {
  const taskQueue = `bench-orders-${runId}`;
  const telemetry = ['--import', './services/kernel/src/telemetry.ts'];
  // The platform's processes as make up and the images run them (the baseline worker: Node's defaults).
  const base = { ...process.env, NODE_OPTIONS: SERVICE_NODE_OPTIONS, LOG_LEVEL, ADMIN_TOKEN: 'bench-admin-token' };
  const domainEnv = { ...base, DATA_DIR: dir, CHAOS_FILE: chaosFile, SEED_STOCK: '10000000' };
  const started: Array<Server | Child> = [];
  try {
    let t = Date.now();
    // allSettled: when one fails to start, the others are still stopped below.
    const settled = await Promise.allSettled(
      (['payment', 'inventory', 'shipping', 'notification'] as const).map((name) =>
        startServer(name, [...telemetry, `services/${name}/src/main.ts`], domainEnv, path.join(dir, `${name}.log`)),
      ),
    );
    const domains: Server[] = [];
    for (const r of settled) if (r.status === 'fulfilled') domains.push(r.value);
    started.push(...domains);
    const failedStart = settled.find((r) => r.status === 'rejected');
    if (failedStart) throw failedStart.reason;
    const [payment, inventory, shipping, notification] = domains;
    if (!payment || !inventory || !shipping || !notification) throw new Error('A domain service did not start.');
    const urls = {
      PAYMENT_URL: payment.url,
      INVENTORY_URL: inventory.url,
      SHIPPING_URL: shipping.url,
      NOTIFICATION_URL: notification.url,
    };
    say(`orders: domain services ready (${Date.now() - t} ms): ${domains.map((d) => `${d.name} ${d.url}`).join(', ')}`);
    t = Date.now();
    const workerMetricsPort = await freePort();
    const worker = spawnChild(
      'worker',
      process.execPath,
      [...telemetry, 'services/worker/src/main.ts'],
      {
        ...base,
        ...urls,
        TEMPORAL_ADDRESS: server.address,
        TASK_QUEUE: taskQueue,
        METRICS_PORT: String(workerMetricsPort),
        PORT: '0',
      },
      path.join(dir, 'worker.log'),
    );
    started.push(worker);
    await waitReady(worker, () => hasPollers(server.connection, taskQueue), 60_000);
    say(`orders: worker pid ${worker.pid} polling ${taskQueue} (${Date.now() - t} ms)`);
    t = Date.now();
    const api = await startServer(
      'api',
      [...telemetry, 'services/api/src/main.ts'],
      { ...base, ...urls, TEMPORAL_ADDRESS: server.address, TASK_QUEUE: taskQueue },
      path.join(dir, 'api.log'),
    );
    started.push(api);
    say(`orders: api ready at ${api.url} (${Date.now() - t} ms); LOG_LEVEL=${LOG_LEVEL}, chaos off`);
    const pids = (): Record<string, number> => ({
      temporal: server.pid,
      worker: worker.pid,
      api: api.pid,
      ...Object.fromEntries(domains.map((d) => [d.name, d.pid])),
    });
    const client = new Client({ connection: server.connection, namespace: 'default' });
    const sample = (seq: number) => ({ client, workflowId: orderWorkflowId(`BENCH-${runId}-${seq}`) });
    const orders = await eachStarters(server, 'orders', 'shipped', pids, (seq) => oneOrder(api.url, seq), sample);
    const rate = Math.max(...[...orders.values()].map((p) => p.perSecond)) / 2;
    say(`latency: orders open-loop at ${rate.toFixed(1)}/s (half the saturating rate) for ${LATENCY_S} s`);
    const halfRate = await runHalfRate({
      rate,
      durationS: LATENCY_S,
      workerMetricsUrl: `http://127.0.0.1:${workerMetricsPort}/metrics`,
      // Numbered apart from the closed-loop phase's orders, whose ids they must not reuse.
      start: (seq) => startOrder(api.url, RUN_SEQ * STARTERS.length + seq),
      finish: (workflowId) => finishOrder(api.url, workflowId),
    });
    const s2s = halfRate.scheduleToStartP99Ms;
    say(
      `latency: start p50 ${ms(halfRate.startMs.p50)} ms p99 ${ms(halfRate.startMs.p99)} ms, ` +
        `schedule-to-start p99 ≤ workflow task ${s2s.workflowTask ?? '-'} ms, activity ${s2s.activity ?? '-'} ms (the worker's buckets)`,
    );
    return { orders, halfRate };
  } finally {
    // Dependents first: the API, the worker, then the domain services.
    for (const s of started.reverse()) await s.stop();
  }
}

const ms = (n: number): string => n.toFixed(1);

/** The tables of one run: CPU per process in the window, the dev server's work per workflow. */
function printCosts({ starters, baseline, orders }: Run): void {
  console.log(pc.bold(`\n${starters} starters`));
  const bench = 'bench (load generator)';
  const names = [...new Set([...Object.keys(baseline.cpu), ...Object.keys(orders.cpu)])].filter(
    (n) => n !== 'total' && n !== bench,
  );
  const cpuTable = new Table({
    head: ['CPU in the window', 'baseline %', 'baseline ms/wf', 'orders %', 'orders ms/wf'].map((h) => pc.bold(h)),
    style: { head: [], border: [] },
  });
  const cell = (p: Phase, n: string): string[] =>
    p.cpu[n] ? [String(p.cpu[n].percent), p.cpu[n].msPerWorkflow.toFixed(2)] : ['', ''];
  for (const n of [...names, bench, 'total']) cpuTable.push([n, ...cell(baseline, n), ...cell(orders, n)]);
  console.log(`${cpuTable.toString()}`);
  console.log(
    pc.dim(`(% of one core; ${os.cpus().length} CPUs on this machine; ms/wf: CPU ms per completed workflow)`),
  );

  // The dev server's work per workflow: frontend RPCs by operation, persistence requests and time.
  const perWf = new Table({
    head: ['temporal, per completed workflow', 'baseline', 'orders'].map((h) => pc.bold(h)),
    style: { head: [], border: [] },
  });
  const f = (n: number | undefined): string => (n === undefined ? '' : n.toFixed(2));
  const rpcs = [...new Set([...Object.keys(baseline.server), ...Object.keys(orders.server)])]
    .filter((k) => k.startsWith('rpc:') && Math.max(baseline.server[k] ?? 0, orders.server[k] ?? 0) >= 0.05)
    .sort((a, b) => (orders.server[b] ?? 0) - (orders.server[a] ?? 0));
  for (const k of rpcs) perWf.push([`RPC ${k.slice(4)}`, f(baseline.server[k]), f(orders.server[k])]);
  const sum = (p: Phase, prefix: string): number =>
    Object.entries(p.server).reduce((n, [k, v]) => n + (k.startsWith(prefix) ? v : 0), 0);
  perWf.push(['RPCs (all frontend)', f(sum(baseline, 'rpc:')), f(sum(orders, 'rpc:'))]);
  perWf.push(['persistence requests', f(sum(baseline, 'db:')), f(sum(orders, 'db:'))]);
  perWf.push(['ms in persistence (summed latency)', f(baseline.server.dbMs), f(orders.server.dbMs)]);
  perWf.push(['visibility requests', f(sum(baseline, 'vis:')), f(sum(orders, 'vis:'))]);
  perWf.push(['ms in visibility (summed latency)', f(baseline.server.visMs), f(orders.server.visMs)]);
  console.log(perWf.toString());
  console.log(
    pc.dim(
      `history events per workflow: baseline ${baseline.history.events}, orders ${orders.history.events} ` +
        `(workflow tasks ${baseline.history.byType.WorkflowTaskCompleted ?? 0} vs ${orders.history.byType.WorkflowTaskCompleted ?? 0})`,
    ),
  );
  // Less sensitive to other load on the machine than the rates: what a workflow costs in CPU.
  const [cb, co] = [baseline.cpu.total?.msPerWorkflow ?? 0, orders.cpu.total?.msPerWorkflow ?? 0];
  if (cb > 0 && co > 0)
    console.log(
      `CPU per completed workflow, all processes: baseline ${cb.toFixed(1)} ms, orders ${co.toFixed(1)} ms ` +
        `(the ratio where CPU is the limit: ${(cb / co).toFixed(3)})`,
    );
}

function printReport(runs: Run[], server: DevServer): void {
  const head =
    'workflow,starters,completed/s,start p50 ms,start p99 ms,completion p50 ms,completion p99 ms,completed,errors,not ok';
  const table = new Table({ head: head.split(',').map((h) => pc.bold(h)), style: { head: [], border: [] } });
  const row = (name: string, starters: number, p: Phase, success: string): Array<string | number> => {
    const bad = Object.entries(p.statuses).reduce((n, [s, c]) => n + (s === success ? 0 : c), 0);
    return [
      name,
      starters,
      p.perSecond.toFixed(1),
      ms(p.startMs.p50),
      ms(p.startMs.p99),
      ms(p.completionMs.p50),
      ms(p.completionMs.p99),
      p.completed,
      p.errors,
      bad,
    ];
  };
  for (const { starters, baseline, orders } of runs)
    table.push(
      row('baseline: 5 no-op activities (workflow.start)', starters, baseline, 'done'),
      row('orders: saga via API (POST /api/v1/order)', starters, orders, 'shipped'),
    );
  console.log(`\n${table.toString()}`);
  runs.forEach(printCosts);
  console.log('');
  for (const { starters, ratio } of runs) {
    const verdict =
      starters !== GOAL_STARTERS ? pc.dim('reported') : ratio >= GOAL ? pc.green('goal met') : pc.red('goal NOT met');
    console.log(
      pc.bold(
        `ratio orders/baseline at ${starters} starters: ${ratio.toFixed(3)} (goal ≥ ${GOAL} at ${GOAL_STARTERS}): ${verdict}`,
      ),
    );
  }
  console.log(`dev server: ${server.version.split('\n')[0]}`);
  console.log(`dev server flags: ${server.command.slice(1).join(' ')}`);
}

/** Runs the orders part; true when it failed (errors, orders that did not ship, a start-up failure). */
export async function runOrdersBench(): Promise<boolean> {
  const { dir, chaosFile } = chaosOffDir('fake-stripe-bench-orders-');
  tmp = dir;
  let failed = false;
  let server: DevServer | undefined;
  try {
    printMachine('bench orders');
    console.log(`temp dir ${tmp} (SQLite files, logs; kept on failure)\n`);
    const t = Date.now();
    server = await startDevServer({ binary: TEMPORAL_BIN, dir: tmp, searchAttributes, pragmas: PRAGMAS });
    say(`temporal: dev server pid ${server.pid} at ${server.address} (${Date.now() - t} ms)`);
    say(`temporal: ${server.command.slice(1).join(' ')}`);

    const baselines = await baselinePhase(server, dir);
    const { orders: ordersBy, halfRate } = await ordersPhase(server, dir, chaosFile);
    const runs = STARTERS.flatMap((starters): Run[] => {
      const [b, o] = [baselines.get(starters), ordersBy.get(starters)];
      return b && o
        ? [{ starters, baseline: b, orders: o, ratio: b.perSecond > 0 ? o.perSecond / b.perSecond : 0 }]
        : [];
    });
    printReport(runs, server);
    // The run the goal applies to is also the report's top level (its layout before runs at several counts).
    const goalRun = runs.find((r) => r.starters === GOAL_STARTERS) ?? runs.at(-1);
    if (!goalRun) throw new Error('No run was measured.');

    const report = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg(),
      temporal: { version: server.version, command: server.command, sqlitePragmas: PRAGMAS },
      settings: {
        starters: STARTERS,
        warmupS: WARMUP_S,
        durationS: DURATION_S,
        logLevel: LOG_LEVEL,
        chaos: { profile: 'off' },
        activityOptions: { baseline: { startToCloseTimeout: '10 seconds' } },
      },
      baseline: goalRun.baseline,
      orders: goalRun.orders,
      halfRate,
      ratio: goalRun.ratio,
      goal: GOAL,
      goalStarters: GOAL_STARTERS,
      goalMet: goalRun.starters === GOAL_STARTERS ? goalRun.ratio >= GOAL : null,
      runs,
    };
    writeReport(OUT_FILE, report);

    const phases = runs.flatMap(({ starters, baseline, orders }) => [
      [`baseline ×${starters}`, baseline, 'done'] as const,
      [`orders ×${starters}`, orders, 'shipped'] as const,
    ]);
    for (const [name, p, success] of phases) {
      if (p.errors > 0) {
        failed = true;
        console.error(pc.red(pc.bold(`FAIL: ${name}: ${p.errors} errors, e.g.:`)));
        for (const e of p.errorSamples) console.error(pc.red(`  ${e}`));
      }
      const others = Object.entries(p.statuses).filter(([s]) => s !== success);
      if (others.length > 0) {
        failed = true;
        const list = others.map(([s, n]) => `${n} × ${s}`).join(', ');
        console.error(pc.red(pc.bold(`FAIL: ${name}: not every workflow ended ${success}: ${list}`)));
      } else {
        console.log(pc.green(`${name}: all ${p.statuses[success] ?? 0} workflows ended ${success}`));
      }
    }
    const notShipped = Object.entries(halfRate.statuses).filter(([s]) => s !== 'shipped');
    if (halfRate.errors > 0 || notShipped.length > 0) {
      failed = true;
      console.error(
        pc.red(pc.bold(`FAIL: latency phase: ${halfRate.errors} errors, not shipped: ${JSON.stringify(notShipped)}`)),
      );
      for (const e of halfRate.errorSamples) console.error(pc.red(`  ${e}`));
    }
    if (failed) console.error(pc.red(`logs kept in ${tmp}`));
  } catch (err) {
    failed = true;
    console.error(pc.red(`bench orders failed: ${(err as Error).stack ?? String(err)}`));
    console.error(pc.red(`logs kept in ${tmp}`));
  } finally {
    await server?.connection.close().catch(() => undefined);
    await server?.stop();
    if (!failed) fs.rmSync(tmp, { recursive: true, force: true });
  }
  return failed;
}
