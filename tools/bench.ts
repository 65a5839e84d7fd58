/**
 * `make bench` (`node tools/bench.ts [part[,part...]|all]`, default all; `make bench only=rss,up`):
 * the parts in turn, in this order whatever the order asked.
 *
 * foundation: throughput of `POST /payment/authorize` (chaos `off`, a fresh Idempotency-Key per
 * request) against a bare node:http JSON server and stripe-mock's PaymentIntent create (manual
 * capture, confirmed; `.tools/bin/stripe-mock`, which `make bench` installs), measured in the same run
 * with the same autocannon flags, one server process at a time. Goals (reported, not enforced):
 * payment ≥ 0.25 × bare and ≥ 1.0 × stripe-mock req/s.
 * Env: BENCH_DURATION (s, 20), BENCH_CONNECTIONS (50), BENCH_LOG_LEVEL (payment's LOG_LEVEL, info).
 * Prints a table, writes .data/bench/foundation.json; fails if a target answered non-2xx.
 *
 * stripe (tools/bench/stripe-compat.ts): the same calls of the official `stripe` SDK against the
 * payment service and stripe-mock, and a table of what each supports (state, manual and partial
 * capture, refunds, test cards, idempotency, events); writes .data/bench/stripe-compat.json.
 *
 * orders (tools/bench/orders.ts): order sagas per second through the API and the real worker (chaos
 * `off`, label time 0) against a baseline workflow of 5 no-op activities on the same Temporal dev
 * server, then orders at half that rate for their latency. Goal (reported, not enforced): orders ≥
 * 0.8 × baseline workflows/s; order start p99 ≤ 100 ms at half the saturating rate. Env:
 * BENCH_ORDERS_DURATION (s, 60), BENCH_ORDERS_WARMUP (s, 5), BENCH_STARTERS (8,32: each count in
 * turn; the goal applies at 32), BENCH_LATENCY_S (20), BENCH_LOG_LEVEL,
 * BENCH_SQLITE_PRAGMAS (journal_mode=wal,synchronous=normal; `none`: the dev server's defaults).
 * Prints a table, writes .data/bench/orders.json; fails on errors or an order that did not ship.
 *
 * rss and up (tools/bench/stack-bench.ts): a `make up` stack of their own (temp DATA_DIR, free
 * ports): its nine processes' RSS when idle (goal: ≤ 1.2 GiB in all), and `make up` to all ready,
 * cold and after a code change (goal: ≤ 8 s each), medians of BENCH_UP_RUNS (3). Writes
 * .data/bench/rss.json and up.json.
 *
 * Then the table of every figure against its goal (tools/bench/goals.ts) from the reports, also
 * written as .data/bench/summary.json. Exits 1 if a part failed, 2 on an unknown part.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import type { Instance, Result } from 'autocannon';
import Table from 'cli-table3';
import pc from 'picocolors';
import { GOALS, printGoals } from './bench/goals.ts';
import { cleanupStack, runStackBench } from './bench/stack-bench.ts';
import { probeAll, stripeClient } from './bench/stripe-compat.ts';
import type { CompatResult } from './bench/stripe-compat.ts';
import { cleanupOrders, runOrdersBench } from './bench/orders.ts';
import { LOCAL_STRIPE_SECRET_KEY, SERVICE_NODE_OPTIONS } from '@fake-stripe/kernel';
import { freePort } from '@fake-stripe/kernel/testing';
import {
  cpuSeconds,
  killAll,
  printMachine,
  rssMb,
  samplePeakRss,
  spawnChild,
  startServer,
  waitReady,
  writeReport,
} from './bench/process.ts';
import type { Server } from './bench/process.ts';

const root = path.resolve(import.meta.dirname, '..');
process.chdir(root);
const positive = (name: string, fallback: number): number => Math.floor(Number(process.env[name])) || fallback;
const DURATION_S = positive('BENCH_DURATION', 20);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 50);
const WARMUP_S = 2;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL?.trim() || 'info';
const OUT_FILE = '.data/bench/foundation.json';

/** What each target is asked, with a fresh Idempotency-Key per request. */
interface BenchRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}
/** Payment's authorize (and the bare server, which answers any path alike). */
const AUTHORIZE: BenchRequest = {
  path: '/payment/authorize',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ orderId: 'ORD-1', customerId: 'CUST-1', amount: 5998, currency: 'usd' }),
};
/** stripe-mock's equivalent: a manual-capture PaymentIntent, confirmed, in Stripe's form encoding. */
const STRIPE_MOCK_KEY = 'sk_test_bench';
const PAYMENT_INTENT: BenchRequest = {
  path: '/v1/payment_intents',
  headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${STRIPE_MOCK_KEY}` },
  body: 'amount=5998&currency=usd&capture_method=manual&confirm=true&payment_method=pm_card_visa',
};
const STRIPE_MOCK = path.join(root, '.tools/bin/stripe-mock');

const PARTS = ['foundation', 'stripe', 'orders', 'rss', 'up'] as const;
type Part = (typeof PARTS)[number];
const asked = (process.argv[2]?.trim() || 'all').split(',').map((p) => p.trim());
const unknown = asked.filter((p) => p !== 'all' && !(PARTS as readonly string[]).includes(p));
if (unknown.length > 0) {
  console.error(
    `usage: node tools/bench.ts [part[,part...]|all] (parts: ${PARTS.join(', ')}; default all); unknown: ${unknown.join(', ')}`,
  );
  process.exit(2);
}
const runs = (p: Part): boolean => asked.includes('all') || asked.includes(p);

let tmp: string | undefined;
let current: Instance | undefined;
process.on('exit', () => {
  killAll();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    current?.stop();
    killAll();
    cleanupOrders();
    cleanupStack();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    console.error(pc.red(`\n${signal}: servers killed`));
    process.exit(130);
  });
}
const say = (msg: string): void => console.log(`${pc.cyan('▶')} ${msg}`);
const mb = (n: number): string => n.toFixed(1);

/** One autocannon run, the same flags and request bytes for every target, a fresh key per request. */
let seq = 0;
const runId = randomUUID().slice(0, 8);
const nextKey = (): string => `bench-${runId}-${++seq}`;
async function load(url: string, request: BenchRequest, seconds: number, progress: boolean): Promise<Result> {
  let instance!: Instance;
  const result = new Promise<Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: `${url}${request.path}`,
        method: 'POST',
        connections: CONNECTIONS,
        pipelining: 1,
        duration: seconds,
        headers: request.headers,
        body: request.body,
        requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'idempotency-key': nextKey() } }) }],
      },
      (err, r) => (err ? reject(err as Error) : resolve(r)),
    );
  });
  current = instance;
  if (progress && process.stderr.isTTY) autocannon.track(instance, { renderResultsTable: false });
  try {
    return await result;
  } finally {
    current = undefined;
  }
}

interface Measured {
  reqPerSec: number;
  requests: number;
  latencyMs: { p50: number; p99: number; avg: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  rssMb: { idle: number; peak: number };
  /** The server's CPU use during the run, in % of one core (below 100: it waited, e.g. on fsync). */
  cpuPercent: number;
  /** Server CPU time per request: less sensitive than req/s to other load on the machine. */
  cpuMsPerRequest: number;
}

/** Starts a target, warms it up, measures it with its RSS sampled, and stops it. */
async function measure(name: string, request: BenchRequest, start: () => Promise<Server>): Promise<Measured> {
  let t = Date.now();
  const server = await start();
  const idle = await rssMb(server.pid);
  say(`${name}: pid ${server.pid} listening at ${server.url} (${Date.now() - t} ms), RSS ${mb(idle)} MB`);
  try {
    t = Date.now();
    const warm = await load(server.url, request, WARMUP_S, false);
    say(`${name}: warm-up ${WARMUP_S} s done (${warm.requests.total} requests, ${Date.now() - t} ms)`);
    say(`${name}: measuring ${DURATION_S} s, ${CONNECTIONS} connections, pipelining 1`);
    const [peak, cpu0] = [samplePeakRss(server.pid), await cpuSeconds(server.pid)];
    const r = await load(server.url, request, DURATION_S, true);
    const rss = { idle, peak: await peak() };
    const cpu = (await cpuSeconds(server.pid)) - cpu0;
    const cpuPercent = Math.round((cpu / r.duration) * 100);
    say(`${name}: ${Math.round(r.requests.average)} req/s, p99 ${r.latency.p99} ms, CPU ${cpuPercent} %`);
    const statusCodes = Object.fromEntries(
      Object.entries(r.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]),
    );
    return {
      reqPerSec: r.requests.average,
      requests: r.requests.total,
      latencyMs: { p50: r.latency.p50, p99: r.latency.p99, avg: r.latency.average, max: r.latency.max },
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      statusCodes,
      rssMb: rss,
      cpuPercent,
      cpuMsPerRequest: (cpu * 1000) / r.requests.total,
    };
  } finally {
    await server.stop();
  }
}

const head = 'target,req/s,p50 ms,p99 ms,requests,non-2xx,errors,peak RSS MB,CPU %,CPU ms/req'.split(',');
const row = (name: string, m: Measured): Array<string | number> => {
  const { latencyMs: l, rssMb: rss } = m;
  const cpu = [m.cpuPercent, m.cpuMsPerRequest.toFixed(3)];
  return [name, Math.round(m.reqPerSec), l.p50, l.p99, m.requests, m.non2xx, m.errors, mb(rss.peak), ...cpu];
};

const bareArgs = [path.join(root, 'tools/bench/bare-server.ts')];
const paymentArgs = ['--import', './services/kernel/src/telemetry.ts', 'services/payment/src/main.ts'];
const baseEnv = { ...process.env };

/** stripe-mock over HTTP on a free port of 127.0.0.1, ready once it answers an authenticated list. */
async function startStripeMock(logFile: string): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnChild('stripe-mock', STRIPE_MOCK, ['-http-addr', `127.0.0.1:${port}`], baseEnv, logFile);
  const answers = () =>
    fetch(`${url}/v1/customers`, { headers: { authorization: `Bearer ${STRIPE_MOCK_KEY}` } }).then(
      async (res) => (await res.arrayBuffer(), res.ok),
    );
  await waitReady(child, answers, 20_000, 50);
  return { ...child, url };
}

/**
 * The stripe part: the same `stripe` SDK calls against the payment service (chaos off) and
 * stripe-mock, and what each supports (tools/bench/stripe-compat.ts); true when a capability the
 * payment service claims did not hold.
 */
async function stripeCompat(): Promise<boolean> {
  if (!fs.existsSync(STRIPE_MOCK)) {
    console.log(
      pc.yellow(pc.bold(`warning: no ${STRIPE_MOCK}: the Stripe comparison skipped (make bench installs it)`)),
    );
    return false;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-stripe-bench-stripe-'));
  const chaosFile = path.join(dir, 'chaos.json');
  fs.writeFileSync(chaosFile, JSON.stringify({ profile: 'off' }));
  const servers: Server[] = [];
  try {
    const env = { ...baseEnv, NODE_OPTIONS: SERVICE_NODE_OPTIONS, DATA_DIR: dir, CHAOS_FILE: chaosFile, LOG_LEVEL };
    const payment = await startServer('payment', paymentArgs, env, path.join(dir, 'payment.log'));
    servers.push(payment);
    const mock = await startStripeMock(path.join(dir, 'stripe-mock.log'));
    servers.push(mock);
    const run = randomUUID().slice(0, 8);
    const ours = await probeAll(stripeClient(payment.url, LOCAL_STRIPE_SECRET_KEY), run);
    const theirs = await probeAll(stripeClient(mock.url, STRIPE_MOCK_KEY), run);
    const table = new Table({
      head: ['capability', 'checks', 'fake-stripe payment', 'stripe-mock'].map((h) => pc.bold(h)),
      style: { head: [], border: [] },
      colWidths: [18, 44, 30, 30],
      wordWrap: true,
    });
    const cell = (r: CompatResult | undefined) => (r?.ok ? pc.green(`✔ ${r.note}`) : pc.red(`✘ ${r?.note ?? ''}`));
    ours.forEach((r, i) => table.push([r.name, r.checks, cell(r), cell(theirs[i])]));
    console.log(`\n${pc.bold('the stripe SDK against both')}\n${table.toString()}`);
    writeReport('.data/bench/stripe-compat.json', {
      date: new Date().toISOString(),
      payment: ours,
      stripeMock: theirs,
    });
    return ours.some((r) => !r.ok);
  } catch (err) {
    console.error(pc.red(`bench stripe failed: ${(err as Error).stack ?? String(err)}`));
    return true;
  } finally {
    for (const s of servers) await s.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The foundation part; true when it failed. */
async function foundation(): Promise<boolean> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-stripe-bench-'));
  tmp = dir;
  const chaosFile = path.join(dir, 'chaos.json');
  fs.writeFileSync(chaosFile, JSON.stringify({ profile: 'off' }));

  let failed = false;
  try {
    printMachine('bench');
    console.log(
      `payment: LOG_LEVEL=${LOG_LEVEL}, chaos off, SQLite in ${dir}; logs in ${dir}/*.log (kept on failure)\n`,
    );
    const bare = await measure('bare', AUTHORIZE, () =>
      startServer('bare', bareArgs, baseEnv, path.join(dir, 'bare.log')),
    );
    await sleep(1_000); // let the machine settle between targets
    const paymentEnv = {
      ...baseEnv,
      NODE_OPTIONS: SERVICE_NODE_OPTIONS, // as make up and the image run it
      DATA_DIR: dir,
      CHAOS_FILE: chaosFile,
      LOG_LEVEL,
      ADMIN_TOKEN: 'bench-admin-token',
    };
    const paymentLog = path.join(dir, 'payment.log');
    const payment = await measure('payment', AUTHORIZE, () =>
      startServer('payment', paymentArgs, paymentEnv, paymentLog),
    );
    let stripeMock: Measured | undefined;
    if (fs.existsSync(STRIPE_MOCK)) {
      await sleep(1_000);
      stripeMock = await measure('stripe-mock', PAYMENT_INTENT, () =>
        startStripeMock(path.join(dir, 'stripe-mock.log')),
      );
    } else
      console.log(pc.yellow(pc.bold(`warning: no ${STRIPE_MOCK}: stripe-mock not measured (make bench installs it)`)));

    const ratios = {
      bare: { ratio: payment.reqPerSec / bare.reqPerSec, goal: GOALS.bareRatio },
      ...(stripeMock && {
        stripeMock: { ratio: payment.reqPerSec / stripeMock.reqPerSec, goal: GOALS.stripeMockRatio },
      }),
    };
    const table = new Table({ head: head.map((h) => pc.bold(h)), style: { head: [], border: [] } });
    table.push(row('bare node:http', bare), row(`payment authorize (LOG_LEVEL=${LOG_LEVEL})`, payment));
    if (stripeMock) table.push(row('stripe-mock PaymentIntent create', stripeMock));
    console.log(`\n${table.toString()}`);
    for (const [against, { ratio, goal }] of Object.entries(ratios)) {
      const verdict = ratio >= goal ? pc.green('goal met') : pc.red('goal NOT met');
      console.log(pc.bold(`ratio payment/${against}: ${ratio.toFixed(3)} (goal ≥ ${goal}): ${verdict}`));
    }

    const report = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      loadAverage: os.loadavg(),
      settings: {
        durationS: DURATION_S,
        warmupS: WARMUP_S,
        connections: CONNECTIONS,
        pipelining: 1,
        logLevel: LOG_LEVEL,
      },
      bare,
      payment,
      ...(stripeMock && { stripeMock }),
      ratios,
    };
    writeReport(OUT_FILE, report);

    for (const [name, m] of Object.entries({ bare, payment, ...(stripeMock && { stripeMock }) })) {
      if (m.errors > 0) console.log(pc.yellow(`warning: ${name}: ${m.errors} request errors (${m.timeouts} timeouts)`));
      if (m.non2xx === 0) continue;
      failed = true;
      const statuses = JSON.stringify(m.statusCodes);
      console.error(pc.red(pc.bold(`FAIL: ${name} answered ${m.non2xx} non-2xx responses, statuses ${statuses}`)));
      if (name === 'payment') console.error(pc.red(`is chaos really off? see ${paymentLog}`));
    }
  } catch (err) {
    failed = true;
    console.error(pc.red(`bench failed: ${(err as Error).stack ?? String(err)}`));
  } finally {
    killAll();
    if (!failed) fs.rmSync(dir, { recursive: true, force: true });
  }
  return failed;
}

let failed = false;
const settle = (): Promise<void> => sleep(1_000); // let the machine settle between parts
if (runs('foundation')) failed = (await foundation()) || failed;
if (runs('stripe')) failed = (await stripeCompat()) || failed;
if (runs('orders')) failed = (await settle(), await runOrdersBench()) || failed;
if (runs('rss') || runs('up'))
  failed = (await settle(), await runStackBench({ rss: runs('rss'), up: runs('up') })) || failed;
printGoals();
console.log(failed ? pc.red(pc.bold('bench: a part failed')) : pc.green(`bench: done (${asked.join(',')})`));
process.exitCode = failed ? 1 : 0;
