/**
 * `make bench` (`node tools/bench.ts [part[,part...]|all]`, default all; `make bench only=rss,up`):
 * the parts in turn, in this order whatever the order asked.
 *
 * foundation (tools/bench/foundation.ts): throughput of `POST /payment/authorize` (chaos `off`, a
 * fresh Idempotency-Key per request) against a bare node:http JSON server, the design card's floor
 * (koa, @koa/router and @koa/bodyparser writing the same hold durably and nothing else:
 * tools/bench/koa-floor.ts) and stripe-mock's PaymentIntent create (manual capture, confirmed;
 * `.tools/bin/stripe-mock`, which `make bench` installs), measured in the same run with the same
 * autocannon flags, one server process at a time. Goals (reported, not enforced): payment ≥ 0.25 ×
 * bare and ≥ 1.0 × stripe-mock req/s, ≤ 0.1 ms of CPU a request.
 * Env: BENCH_DURATION (s, 20), BENCH_CONNECTIONS (50), BENCH_LOG_LEVEL (payment's LOG_LEVEL, info).
 * Prints a table, writes .data/bench/foundation.json; fails if a target answered non-2xx.
 *
 * features (tools/bench/foundation.ts): what authorize's CPU per request goes to, feature by feature:
 * payment as the foundation part runs it, then with its traces off (OTEL_SDK_DISABLED=true), its
 * request log off (LOG_LEVEL=warn) and without an Idempotency-Key, interleaved, BENCH_FEATURE_ROUNDS
 * (3) rounds of BENCH_FEATURE_DURATION (8) s each; a feature's cost is the median with everything on
 * less the median without it. Writes .data/bench/features.json; fails on a non-2xx answer.
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
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Table from 'cli-table3';
import pc from 'picocolors';
import { LOCAL_STRIPE_SECRET_KEY } from '@fake-stripe/kernel';
import {
  STRIPE_MOCK,
  STRIPE_MOCK_KEY,
  cleanupFoundation,
  paymentArgs,
  paymentEnv,
  runFeatures,
  runFoundation,
  startStripeMock,
} from './bench/foundation.ts';
import { printGoals } from './bench/goals.ts';
import { cleanupOrders, runOrdersBench } from './bench/orders.ts';
import { chaosOffDir, killAll, startServer, writeReport } from './bench/process.ts';
import type { Server } from './bench/process.ts';
import { cleanupStack, runStackBench } from './bench/stack-bench.ts';
import { probeAll, stripeClient } from './bench/stripe-compat.ts';
import type { CompatResult } from './bench/stripe-compat.ts';

const root = path.resolve(import.meta.dirname, '..');
process.chdir(root);

const PARTS = ['foundation', 'features', 'stripe', 'orders', 'rss', 'up'] as const;
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

process.on('exit', () => {
  killAll();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    cleanupFoundation();
    killAll();
    cleanupOrders();
    cleanupStack();
    console.error(pc.red(`\n${signal}: servers killed`));
    process.exit(130);
  });
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
  const { dir, chaosFile } = chaosOffDir('fake-stripe-bench-stripe-');
  const servers: Server[] = [];
  try {
    const env = paymentEnv(dir, chaosFile);
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

let failed = false;
const settle = (): Promise<void> => sleep(1_000); // let the machine settle between parts
if (runs('foundation')) failed = (await runFoundation()) || failed;
if (runs('features')) failed = (await settle(), await runFeatures()) || failed;
if (runs('stripe')) failed = (await stripeCompat()) || failed;
if (runs('orders')) failed = (await settle(), await runOrdersBench()) || failed;
if (runs('rss') || runs('up'))
  failed = (await settle(), await runStackBench({ rss: runs('rss'), up: runs('up') })) || failed;
printGoals();
console.log(failed ? pc.red(pc.bold('bench: a part failed')) : pc.green(`bench: done (${asked.join(',')})`));
process.exitCode = failed ? 1 : 0;
