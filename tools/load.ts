/**
 * `make load shape=steady|ramp|spike|soak rate=… duration=…` (`node tools/load.ts --help`): orders
 * through the API at the rate a shape asks (open loop: tools/load/send.ts), a live progress bar, then
 * a report — the send rate achieved, the create call's latency percentiles (from when each order was
 * due), each minute of the run, and the chaos batch's scorecard (outcomes, why orders were
 * compensated, retries per activity, fulfilment times, stuck orders, the audit). The same as JSON in
 * `--json` (default `.data/load/<shape>-<time>.json`), for comparing runs.
 *
 * Works against whatever API_URL names: `make up` (default), a platform of tests/harness.ts, or a
 * cluster through `make k8s-port-forward` (API_URL=http://127.0.0.1:13002 with its tokens). Exits 0
 * when every create succeeded, every order is terminal and the audit is clean; 1 otherwise; 2 when
 * the stack cannot be reached or the options are wrong.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MultiBar, Presets } from 'cli-progress';
import Table from 'cli-table3';
import pc from 'picocolors';
import { z } from 'zod';
import { defaultDurationS, rateAt, shapeHelp, shapeNames, total } from './load/shapes.ts';
import type { Shape } from './load/shapes.ts';
import { send } from './load/send.ts';
import type { Sent } from './load/send.ts';
import { percentile } from './percentile.ts';
import { api, describeError, env, ping, ScenarioError } from './scenarios/api.ts';
import { randomOrder, readHistories, waitForAll } from './scenarios/chaos.ts';
import { printScorecard } from './scenarios/scorecard.ts';
import type { Tracked } from './scenarios/scorecard.ts';

const optionsSchema = z
  .object({
    shape: z.enum(shapeNames),
    rate: z.coerce.number().positive().max(10_000),
    duration: z.coerce.number().positive().max(86_400).optional(),
    'max-in-flight': z.coerce.number().int().positive().max(10_000),
    wait: z.coerce.number().int().nonnegative().optional(),
    json: z.string().optional(),
  })
  .transform((o) => ({
    shape: { name: o.shape, rate: o.rate, durationS: o.duration ?? defaultDurationS[o.shape] } satisfies Shape,
    maxInFlight: o['max-in-flight'],
    waitS: o.wait,
    json: o.json,
  }));

const usage = `Usage: node tools/load.ts [--shape S] [--rate R] [--duration SECONDS] [--max-in-flight N] [--wait SECONDS] [--json FILE]

  --shape          ${shapeNames.join(' | ')} (default steady)
${shapeNames.map((s) => `                     ${s.padEnd(7)} ${shapeHelp[s]}`).join('\n')}
  --rate           orders per second (default 5)
  --duration       seconds of sending (default: ${shapeNames.map((s) => `${s} ${defaultDurationS[s]}`).join(', ')})
  --max-in-flight  create calls open at once (default 256); an order waiting for a slot counts as late
  --wait           seconds to wait for the orders after the last is sent (default 300 + orders / 5)
  --json           where to write the report (default .data/load/<shape>-<time>.json)

Env: API_URL (default the local stack's API), MANAGER_TOKEN, CUSTOMER_TOKEN_SECRET, TEMPORAL_ADDRESS (for retries).`;

function parseOptions(): z.output<typeof optionsSchema> {
  const { values } = parseArgs({
    options: {
      shape: { type: 'string', default: 'steady' },
      rate: { type: 'string', default: '5' },
      duration: { type: 'string' },
      'max-in-flight': { type: 'string', default: '256' },
      wait: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ');
    console.error(`${why}\n\n${usage}`);
    process.exit(2);
  }
  return parsed.data;
}

const ms = (v: number | undefined): string => (v === undefined ? '-' : `${v.toFixed(1)} ms`);
const latencies = (sent: Sent[]) => {
  const s = sent.map((x) => x.latencyMs).sort((a, b) => a - b);
  return { p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s.at(-1) };
};

/** Sends the orders with a progress bar; returns each order's send and the ones the API accepted. */
async function sendOrders(
  shape: Shape,
  maxInFlight: number,
  run: string,
): Promise<{ sent: Sent[]; tracked: Tracked[]; sendMs: number }> {
  const started = Date.now();
  const tracked: Tracked[] = [];
  const answered: number[] = [];
  let [errors, inFlight] = [0, 0];
  const bars = new MultiBar(
    {
      format: `  {bar} {value}/{total} sent | asked {asked}/s | in flight {inFlight} | create p99 {p99} | ${pc.red('errors {errors}')} | {duration_formatted}`,
      stream: process.stdout,
      noTTYOutput: true,
      notTTYSchedule: 10_000,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  const fields = () => ({
    asked: rateAt(shape, (Date.now() - started) / 1000).toFixed(1),
    inFlight,
    p99: ms(
      percentile(
        [...answered].sort((a, b) => a - b),
        99,
      ),
    ),
    errors,
  });
  const bar = bars.create(total(shape), 0, fields());
  // The percentile is recomputed once a second, not per answer: thousands of answers per run.
  const refresh = setInterval(() => bar.update(fields()), 1000);
  const sent = await send(shape, {
    maxInFlight,
    create: async (seq, dueMs) => {
      const orderId = `ORD-LOAD-${run}-${seq + 1}`;
      const reply = await api.createOrder(randomOrder(orderId, seq));
      if (reply.status !== 201) throw new Error(`${reply.status} ${describeError(reply.body)}`);
      const { workflowId } = reply.body as { workflowId: string };
      tracked.push({ orderId, workflowId, startedAt: started + dueMs });
      return { workflowId };
    },
    onSent: (s, open) => {
      inFlight = open;
      answered.push(s.latencyMs);
      if ('error' in s.result) errors++;
      bar.increment(1);
    },
  });
  clearInterval(refresh);
  bar.update(fields());
  bars.stop();
  return { sent, tracked, sendMs: Date.now() - started };
}

/** One row per minute of the run (by when orders were due): what a soak's drift looks like. */
function perMinute(sent: Sent[]): Array<{ minute: number; sent: number; errors: number; p99Ms?: number }> {
  const rows = Map.groupBy(sent, (s) => Math.floor(s.dueMs / 60_000));
  return [...rows].map(([minute, list]) => ({
    minute: minute + 1,
    sent: list.length,
    errors: list.filter((s) => 'error' in s.result).length,
    p99Ms: latencies(list).p99,
  }));
}

const options = parseOptions();
const { shape, maxInFlight } = options;
const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`.toUpperCase();
const count = total(shape);
const waitS = options.waitS ?? 300 + Math.ceil(count / 5);
console.log(
  `\n${pc.bold(`▶ load: ${shape.name}`)} — ${shapeHelp[shape.name]}; ${shape.rate} orders/s for ${shape.durationS} s = ${count} orders`,
);
console.log(pc.dim(`  API ${env.apiUrl}, orders ORD-LOAD-${run}-1…${count}, at most ${maxInFlight} create calls open`));
if (count === 0) {
  console.error('the shape asks for no order: raise --rate or --duration');
  process.exit(2);
}

const ready = await ping(`${env.apiUrl}/ready`);
if (ready.status !== 200) {
  console.error(
    pc.red(`the API at ${env.apiUrl} is not ready (${ready.status ?? ready.detail}): make up DETACH=1, or set API_URL`),
  );
  process.exit(2);
}

let code: number;
try {
  const { sent, tracked, sendMs } = await sendOrders(shape, maxInFlight, run);
  const failed = sent.filter((s) => 'error' in s.result);
  const lat = latencies(sent);
  const sendRate = sent.length / (sendMs / 1000);

  const t = new Table({ style: { head: [], border: [], compact: true } });
  t.push(
    ['orders asked / accepted / refused', `${count} / ${tracked.length} / ${pc.red(String(failed.length))}`],
    ['send rate asked / achieved', `${(count / shape.durationS).toFixed(2)} / ${sendRate.toFixed(2)} orders/s`],
    ['create latency p50 / p90 / p99 / max', [lat.p50, lat.p90, lat.p99, lat.max].map(ms).join(' / ')],
  );
  console.log(
    `\n${pc.bold('send')} ${pc.dim('(latency from when each order was due, not when it left)')}\n${t.toString()}`,
  );
  const minutes = perMinute(sent);
  if (minutes.length > 1) {
    const m = new Table({
      head: ['minute', 'sent', 'errors', 'create p99'],
      style: { head: [], border: [], compact: true },
    });
    for (const r of minutes) m.push([r.minute, r.sent, r.errors, ms(r.p99Ms)]);
    console.log(m.toString());
  }
  for (const f of failed.slice(0, 5))
    console.log(pc.red(`  ✘ order ${f.seq + 1}: ${'error' in f.result && f.result.error}`));

  const t0 = Date.now();
  await waitForAll(tracked, waitS);
  const { histories, temporalNote } = await readHistories(tracked);
  const audit = await api.audit();
  const clean = printScorecard(
    { orders: tracked, count: tracked.length, batchMs: Date.now() - t0 + sendMs, histories, temporalNote },
    audit,
  );

  const outcomes: Record<string, number> = {};
  for (const o of tracked) {
    const key = o.stuck ? 'compensation_stuck' : (o.end?.status ?? 'unfinished');
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  }
  const report = {
    shape,
    apiUrl: env.apiUrl,
    maxInFlight,
    orders: { asked: count, accepted: tracked.length, refused: failed.length },
    sendRate: { asked: count / shape.durationS, achieved: sendRate },
    createLatencyMs: lat,
    perMinute: minutes,
    outcomes,
    audit: {
      ok: audit.ok,
      checkedOrders: audit.checkedOrders,
      violations: audit.violations.length,
      stuck: audit.stuck.length,
    },
    finishedAt: new Date().toISOString(),
  };
  const file =
    options.json ?? path.join('.data/load', `${shape.name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(pc.dim(`\n  report: ${file}`));
  const ok = clean && failed.length === 0;
  console.log(ok ? pc.green(pc.bold('✔ load passed')) : pc.red(pc.bold('✘ load failed')));
  code = ok ? 0 : 1;
} catch (err) {
  console.error(pc.red(`load: ${(err as Error).message}`));
  code = err instanceof ScenarioError && err.setup ? 2 : 1;
}
process.exit(code);
