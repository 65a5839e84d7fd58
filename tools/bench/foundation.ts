/**
 * `make bench`'s foundation and features parts (tools/bench.ts has what each measures and reports):
 * `POST /payment/authorize` under autocannon, one server process at a time, the same flags and
 * request bytes for every target.
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
import { SERVICE_NODE_OPTIONS } from '@fake-stripe/kernel';
import { freePort } from '@fake-stripe/kernel/testing';
import { percentile } from '../percentile.ts';
import { GOALS } from './goals.ts';
import {
  chaosOffDir,
  cpuSeconds,
  killAll,
  printMachine,
  rssMb,
  samplePeakRss,
  spawnChild,
  startServer,
  waitReady,
  writeReport,
} from './process.ts';
import type { Server } from './process.ts';

const root = path.resolve(import.meta.dirname, '../..');

const positive = (name: string, fallback: number): number => Math.floor(Number(process.env[name])) || fallback;
const DURATION_S = positive('BENCH_DURATION', 20);
const CONNECTIONS = positive('BENCH_CONNECTIONS', 50);
const WARMUP_S = 2;
export const LOG_LEVEL = process.env.BENCH_LOG_LEVEL?.trim() || 'info';
const OUT_FILE = '.data/bench/foundation.json';

/** What each target is asked, with a fresh Idempotency-Key per request unless `idempotencyKey` is false. */
interface BenchRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
  idempotencyKey?: false;
}
/** Payment's authorize (and the bare server, which answers any path alike). */
const AUTHORIZE: BenchRequest = {
  path: '/payment/authorize',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ orderId: 'ORD-1', customerId: 'CUST-1', amount: 5998, currency: 'usd' }),
};
/** stripe-mock's equivalent: a manual-capture PaymentIntent, confirmed, in Stripe's form encoding. */
export const STRIPE_MOCK_KEY = 'sk_test_bench';
const PAYMENT_INTENT: BenchRequest = {
  path: '/v1/payment_intents',
  headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${STRIPE_MOCK_KEY}` },
  body: 'amount=5998&currency=usd&capture_method=manual&confirm=true&payment_method=pm_card_visa',
};
export const STRIPE_MOCK = path.join(root, '.tools/bin/stripe-mock');

let tmp: string | undefined;
let current: Instance | undefined;

/** Stops the load running and removes the part's temp dir (for bench.ts's SIGINT path). */
export function cleanupFoundation(): void {
  current?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}

const say = (msg: string): void => console.log(`${pc.cyan('▶')} ${msg}`);
const mb = (n: number): string => n.toFixed(1);

/** One autocannon run, the same flags and request bytes for every target, a fresh key per request (unless told). */
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
        requests: [
          {
            setupRequest: (req) =>
              request.idempotencyKey === false
                ? req
                : { ...req, headers: { ...req.headers, 'idempotency-key': nextKey() } },
          },
        ],
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
async function measure(
  name: string,
  request: BenchRequest,
  start: () => Promise<Server>,
  seconds = DURATION_S,
): Promise<Measured> {
  let t = Date.now();
  const server = await start();
  const idle = await rssMb(server.pid);
  say(`${name}: pid ${server.pid} listening at ${server.url} (${Date.now() - t} ms), RSS ${mb(idle)} MB`);
  try {
    t = Date.now();
    const warm = await load(server.url, request, WARMUP_S, false);
    say(`${name}: warm-up ${WARMUP_S} s done (${warm.requests.total} requests, ${Date.now() - t} ms)`);
    say(`${name}: measuring ${seconds} s, ${CONNECTIONS} connections, pipelining 1`);
    const [peak, cpu0] = [samplePeakRss(server.pid), await cpuSeconds(server.pid)];
    const r = await load(server.url, request, seconds, true);
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
const floorArgs = [path.join(root, 'tools/bench/koa-floor.ts')];
export const paymentArgs = ['--import', './services/kernel/src/telemetry.ts', 'services/payment/src/main.ts'];
const baseEnv = { ...process.env };

/** The payment service as make up and the image run it, chaos off, its SQLite file in `dir`. */
export function paymentEnv(dir: string, chaosFile: string): NodeJS.ProcessEnv {
  return {
    ...baseEnv,
    NODE_OPTIONS: SERVICE_NODE_OPTIONS,
    DATA_DIR: dir,
    CHAOS_FILE: chaosFile,
    LOG_LEVEL,
    ADMIN_TOKEN: 'bench-admin-token',
  };
}

/** The part's temp dir (chaos off), removed by cleanupFoundation if the bench is interrupted. */
function partDir(): { dir: string; chaosFile: string } {
  const made = chaosOffDir('fake-stripe-bench-');
  tmp = made.dir;
  return made;
}

/** Says what a target answered besides 2xx; true when it did (the part then fails). */
function answeredNon2xx(name: string, m: Measured, log: string): boolean {
  if (m.errors > 0) console.log(pc.yellow(`warning: ${name}: ${m.errors} request errors (${m.timeouts} timeouts)`));
  if (m.non2xx === 0) return false;
  const statuses = JSON.stringify(m.statusCodes);
  console.error(pc.red(pc.bold(`FAIL: ${name} answered ${m.non2xx} non-2xx responses, statuses ${statuses}`)));
  console.error(pc.red(`see ${log} (for payment: is chaos really off?)`));
  return true;
}

/** stripe-mock over HTTP on a free port of 127.0.0.1, ready once it answers an authenticated list. */
export async function startStripeMock(logFile: string): Promise<Server> {
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

/** The foundation part; true when it failed. */
export async function runFoundation(): Promise<boolean> {
  const { dir, chaosFile } = partDir();
  let failed = false;
  try {
    printMachine('bench');
    console.log(
      `payment: LOG_LEVEL=${LOG_LEVEL}, chaos off, SQLite in ${dir}; logs in ${dir}/*.log (kept on failure)\n`,
    );
    const logOf = (name: string): string => path.join(dir, `${name}.log`);
    const bare = await measure('bare', AUTHORIZE, () => startServer('bare', bareArgs, baseEnv, logOf('bare')));
    await sleep(1_000); // let the machine settle between targets
    const floor = await measure('koa floor', AUTHORIZE, () =>
      startServer('koa-floor', floorArgs, { ...baseEnv, DATA_DIR: dir }, logOf('floor')),
    );
    await sleep(1_000);
    const payment = await measure('payment', AUTHORIZE, () =>
      startServer('payment', paymentArgs, paymentEnv(dir, chaosFile), logOf('payment')),
    );
    let stripeMock: Measured | undefined;
    if (fs.existsSync(STRIPE_MOCK)) {
      await sleep(1_000);
      stripeMock = await measure('stripe-mock', PAYMENT_INTENT, () => startStripeMock(logOf('stripeMock')));
    } else
      console.log(pc.yellow(pc.bold(`warning: no ${STRIPE_MOCK}: stripe-mock not measured (make bench installs it)`)));
    const targets = { bare, floor, payment, ...(stripeMock && { stripeMock }) };

    const ratios = {
      bare: { ratio: payment.reqPerSec / bare.reqPerSec, goal: GOALS.bareRatio },
      floor: { ratio: payment.reqPerSec / floor.reqPerSec, goal: null },
      ...(stripeMock && {
        stripeMock: { ratio: payment.reqPerSec / stripeMock.reqPerSec, goal: GOALS.stripeMockRatio },
      }),
    };
    const table = new Table({ head: head.map((h) => pc.bold(h)), style: { head: [], border: [] } });
    table.push(
      row('bare node:http', bare),
      row('koa floor (koa, router, body parser, durable hold)', floor),
      row(`payment authorize (LOG_LEVEL=${LOG_LEVEL})`, payment),
    );
    if (stripeMock) table.push(row('stripe-mock PaymentIntent create', stripeMock));
    console.log(`\n${table.toString()}`);
    for (const [against, { ratio, goal }] of Object.entries(ratios)) {
      const verdict =
        goal === null
          ? 'reported'
          : `(goal ≥ ${goal}): ${ratio >= goal ? pc.green('goal met') : pc.red('goal NOT met')}`;
      console.log(pc.bold(`ratio payment/${against}: ${ratio.toFixed(3)} ${verdict}`));
    }

    writeReport(OUT_FILE, {
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
      ...targets,
      ratios,
    });
    for (const [name, m] of Object.entries(targets)) failed = answeredNon2xx(name, m, logOf(name)) || failed;
  } catch (err) {
    failed = true;
    console.error(pc.red(`bench failed: ${(err as Error).stack ?? String(err)}`));
  } finally {
    killAll();
    if (!failed) fs.rmSync(dir, { recursive: true, force: true });
  }
  return failed;
}

const FEATURES_FILE = '.data/bench/features.json';
const FEATURE_ROUNDS = positive('BENCH_FEATURE_ROUNDS', 3);
const FEATURE_DURATION_S = positive('BENCH_FEATURE_DURATION', 8);

/** Payment as the foundation part runs it, then with one feature off at a time. */
const VARIANTS = [
  { id: 'allOn', name: 'everything on', env: {}, request: AUTHORIZE },
  {
    id: 'tracing',
    name: 'traces off (OTEL_SDK_DISABLED=true)',
    env: { OTEL_SDK_DISABLED: 'true' },
    request: AUTHORIZE,
  },
  { id: 'requestLog', name: 'request log off (LOG_LEVEL=warn)', env: { LOG_LEVEL: 'warn' }, request: AUTHORIZE },
  { id: 'idempotency', name: 'no Idempotency-Key', env: {}, request: { ...AUTHORIZE, idempotencyKey: false } },
] as const satisfies ReadonlyArray<{ id: string; name: string; env: NodeJS.ProcessEnv; request: BenchRequest }>;
type VariantId = (typeof VARIANTS)[number]['id'];

/** The features part; true when it failed. */
export async function runFeatures(): Promise<boolean> {
  const { dir, chaosFile } = partDir();
  let failed = false;
  try {
    printMachine('bench features');
    const samples = new Map<VariantId, Measured[]>(VARIANTS.map((v) => [v.id, []]));
    for (let round = 1; round <= FEATURE_ROUNDS; round++)
      for (const v of VARIANTS) {
        const name = `${v.name}, round ${round}/${FEATURE_ROUNDS}`;
        const log = path.join(dir, `payment-${v.id}-${round}.log`);
        const env = { ...paymentEnv(dir, chaosFile), ...v.env };
        const m = await measure(
          name,
          v.request,
          () => startServer('payment', paymentArgs, env, log),
          FEATURE_DURATION_S,
        );
        samples.get(v.id)?.push(m);
        failed = answeredNon2xx(name, m, log) || failed;
      }
    const median = (id: VariantId, of: (m: Measured) => number): number =>
      percentile(
        (samples.get(id) ?? []).map(of).toSorted((a, b) => a - b),
        50,
      ) ?? Number.NaN;
    const cpu = (id: VariantId): number => median(id, (m) => m.cpuMsPerRequest);
    const variants = Object.fromEntries(
      VARIANTS.map((v) => [
        v.id,
        {
          name: v.name,
          reqPerSec: median(v.id, (m) => m.reqPerSec),
          cpuMsPerRequest: cpu(v.id),
          costMs: v.id === 'allOn' ? undefined : cpu('allOn') - cpu(v.id),
        },
      ]),
    );
    const table = new Table({
      head: ['payment authorize', 'req/s', 'CPU ms/req', 'the feature costs (ms/req)'].map((h) => pc.bold(h)),
      style: { head: [], border: [] },
    });
    for (const v of Object.values(variants))
      table.push([
        v.name,
        Math.round(v.reqPerSec),
        v.cpuMsPerRequest.toFixed(3),
        v.costMs === undefined ? '' : v.costMs.toFixed(3),
      ]);
    console.log(`\n${pc.bold(`medians of ${FEATURE_ROUNDS} rounds of ${FEATURE_DURATION_S} s`)}\n${table.toString()}`);
    writeReport(FEATURES_FILE, {
      date: new Date().toISOString(),
      loadAverage: os.loadavg(),
      settings: {
        rounds: FEATURE_ROUNDS,
        durationS: FEATURE_DURATION_S,
        connections: CONNECTIONS,
        logLevel: LOG_LEVEL,
      },
      variants,
    });
  } catch (err) {
    failed = true;
    console.error(pc.red(`bench features failed: ${(err as Error).stack ?? String(err)}`));
  } finally {
    killAll();
    if (!failed) fs.rmSync(dir, { recursive: true, force: true });
  }
  return failed;
}
