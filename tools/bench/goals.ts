/**
 * The performance goals (the one place they are written) and the table of every figure of
 * `make bench`, from the reports its parts wrote (.data/bench/foundation.json, features.json,
 * orders.json, rss.json, up.json): each figure now, its goal, now ÷ goal, and whether it is met. Written again as
 * .data/bench/summary.json, the file to compare between commits. A figure without a goal is reported.
 */
import fs from 'node:fs';
import Table from 'cli-table3';
import pc from 'picocolors';
import { z } from 'zod';
import { writeReport } from './process.ts';

/** The goals of the performance issue: reported, not enforced. */
export const GOALS = {
  /** authorize ÷ stripe-mock's PaymentIntent create, req/s, at least. */
  stripeMockRatio: 1,
  /** authorize ÷ a bare node:http JSON server, req/s, at least. */
  bareRatio: 0.25,
  /** authorize's CPU per request (ms), at most. */
  cpuMsPerRequest: 0.1,
  /** orders ÷ baseline workflows per second at GOAL_STARTERS, at least. */
  ordersRatio: 0.8,
  /** POST /api/v1/order p99 at half the saturating rate (ms), at most. */
  orderStartP99Ms: 100,
  /** The idle `make up` stack's total RSS (GiB), at most. */
  stackRssGiB: 1.2,
  /** `make up` to every service ready (s), cold and after a code change, at most. */
  upS: 8,
};
/** The concurrency the orders goal applies to; the other counts are reported. */
export const GOAL_STARTERS = 32;

/** One row of the table (and of summary.json's `goals`); `id` is the stable key between commits. */
export interface Figure {
  id: string;
  figure: string;
  now: number | undefined;
  unit: string;
  /** Null: reported, no goal. */
  goal: number | null;
  atLeast: boolean;
  /** The figures behind it (the two rates of a ratio, the largest processes...). */
  detail?: string;
}

// Only the fields the table reads; a report of an older layout just leaves its figures out.
const n = z.number().optional();
const rate = z.object({ perSecond: n }).partial();
const foundationSchema = z
  .object({
    date: z.string(),
    ratios: z
      .object({ bare: z.object({ ratio: n }).partial(), stripeMock: z.object({ ratio: n }).partial() })
      .partial(),
    bare: z.object({ reqPerSec: n, cpuMsPerRequest: n }).partial(),
    floor: z.object({ reqPerSec: n, cpuMsPerRequest: n }).partial(),
    payment: z.object({ reqPerSec: n, cpuMsPerRequest: n }).partial(),
    stripeMock: z.object({ reqPerSec: n }).partial(),
  })
  .partial();
const ordersSchema = z
  .object({
    date: z.string(),
    ratio: n,
    baseline: rate,
    orders: rate,
    settings: z.object({ starters: z.union([z.number(), z.array(z.number())]) }).partial(),
    runs: z.array(z.object({ starters: z.number(), ratio: z.number(), baseline: rate, orders: rate })),
    halfRate: z
      .object({
        rate: n,
        startMs: z.object({ p50: n, p99: n }).partial(),
        scheduleToStartP99Ms: z.object({ workflowTask: n, activity: n }).partial(),
      })
      .partial(),
  })
  .partial();
const rssSchema = z
  .object({
    date: z.string(),
    totalMb: n,
    totalPssMb: n,
    processes: z.array(z.object({ name: z.string(), mb: z.number() })),
  })
  .partial();
const featureCost = z.object({ costMs: n }).partial();
const featuresSchema = z
  .object({
    date: z.string(),
    settings: z.object({ rounds: n }).partial(),
    variants: z.object({ tracing: featureCost, requestLog: featureCost, idempotency: featureCost }).partial(),
  })
  .partial();
const upTimes = z.object({ median: z.number() }).partial();
const upSchema = z
  .object({
    date: z.string(),
    firstS: z.number(),
    coldS: upTimes,
    afterChangeS: upTimes,
    first: z.object({ readyS: z.record(z.string(), z.number()) }),
    cold: z.array(z.object({ readyS: z.record(z.string(), z.number()) })),
    afterChange: z.array(z.object({ readyS: z.record(z.string(), z.number()) })),
  })
  .partial();

export interface Reports {
  foundation?: z.output<typeof foundationSchema>;
  features?: z.output<typeof featuresSchema>;
  orders?: z.output<typeof ordersSchema>;
  rss?: z.output<typeof rssSchema>;
  up?: z.output<typeof upSchema>;
}

const round = (x: number | undefined, digits = 1): string => (x === undefined ? '-' : x.toFixed(digits));

/** The orders runs, by starter count (a report from before runs at several counts has one, at its top level). */
function ordersRuns(orders: Reports['orders']): Map<number, { ratio?: number; baseline?: number; orders?: number }> {
  const runs = new Map<number, { ratio?: number; baseline?: number; orders?: number }>();
  for (const r of orders?.runs ?? [])
    runs.set(r.starters, { ratio: r.ratio, baseline: r.baseline.perSecond, orders: r.orders.perSecond });
  const starters = orders?.settings?.starters;
  if (!orders?.runs && typeof starters === 'number' && orders?.ratio !== undefined)
    runs.set(starters, { ratio: orders.ratio, baseline: orders.baseline?.perSecond, orders: orders.orders?.perSecond });
  return runs;
}

/** Every figure of the table, in the order, from the reports (missing ones: now undefined). */
export function figures(r: Reports): Figure[] {
  const f = r.foundation;
  const vs = (a: number | undefined, b: number | undefined, unit: string): string | undefined =>
    a === undefined || b === undefined ? undefined : `${Math.round(a)} vs ${Math.round(b)} ${unit}`;
  const runs = ordersRuns(r.orders);
  const starterCounts = [...new Set([8, GOAL_STARTERS, ...runs.keys()])].sort((a, b) => a - b);
  const half = r.orders?.halfRate;
  const s2s = half?.scheduleToStartP99Ms;
  const biggest = (r.rss?.processes ?? [])
    .toSorted((a, b) => b.mb - a.mb)
    .slice(0, 3)
    .map((p) => `${p.name} ${Math.round(p.mb)}`)
    .join(', ');
  // The slowest services of the first run, each from its own start (what it waited for not counted).
  const slowest = (runs: Array<{ readyS: Record<string, number> }> | undefined): string | undefined => {
    const top = Object.entries(runs?.[0]?.readyS ?? {})
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([name, s]) => `${name} ${s.toFixed(1)} s`);
    return top.length > 0 ? `slowest: ${top.join(', ')}` : undefined;
  };
  return [
    {
      id: 'authorize-vs-stripe-mock',
      figure: 'authorize ÷ stripe-mock PaymentIntent create (req/s)',
      now: f?.ratios?.stripeMock?.ratio,
      unit: '×',
      goal: GOALS.stripeMockRatio,
      atLeast: true,
      detail: vs(f?.payment?.reqPerSec, f?.stripeMock?.reqPerSec, 'req/s'),
    },
    {
      id: 'authorize-vs-bare',
      figure: 'authorize ÷ bare node:http (req/s)',
      now: f?.ratios?.bare?.ratio,
      unit: '×',
      goal: GOALS.bareRatio,
      atLeast: true,
      detail: vs(f?.payment?.reqPerSec, f?.bare?.reqPerSec, 'req/s'),
    },
    {
      id: 'authorize-cpu-ms',
      figure: 'authorize CPU per request',
      now: f?.payment?.cpuMsPerRequest,
      unit: 'ms',
      goal: GOALS.cpuMsPerRequest,
      atLeast: false,
      detail: f?.bare?.cpuMsPerRequest === undefined ? undefined : `bare ${f.bare.cpuMsPerRequest.toFixed(3)} ms`,
    },
    {
      id: 'koa-floor-cpu-ms',
      figure: 'koa floor CPU per request (koa, router, body parser, durable hold; nothing else)',
      now: f?.floor?.cpuMsPerRequest,
      unit: 'ms',
      goal: null,
      atLeast: false,
      detail: f?.floor?.reqPerSec === undefined ? undefined : `${Math.round(f.floor.reqPerSec)} req/s`,
    },
    ...(
      [
        ['tracing', 'traces'],
        ['requestLog', 'the request log line'],
        ['idempotency', 'the Idempotency-Key'],
      ] as const
    ).map(([feature, what]): Figure => ({
      id: `authorize-cost-${feature === 'requestLog' ? 'request-log' : feature}-ms`,
      figure: `authorize CPU per request spent on ${what}`,
      now: r.features?.variants?.[feature]?.costMs,
      unit: 'ms',
      goal: null,
      atLeast: false,
      detail:
        r.features?.settings?.rounds === undefined ? undefined : `medians of ${r.features.settings.rounds} rounds`,
    })),
    ...starterCounts.map((starters): Figure => {
      const run = runs.get(starters);
      return {
        id: `orders-vs-baseline-${starters}`,
        figure: `orders ÷ 5-no-op-activity baseline (per s), ${starters} starters`,
        now: run?.ratio,
        unit: '×',
        goal: starters === GOAL_STARTERS ? GOALS.ordersRatio : null,
        atLeast: true,
        detail: run && `${round(run.orders)} vs ${round(run.baseline)} /s`,
      };
    }),
    {
      id: 'order-start-p50',
      figure: 'order start p50 at half the saturating rate',
      now: half?.startMs?.p50,
      unit: 'ms',
      goal: null,
      atLeast: false,
      detail: half?.rate === undefined ? undefined : `at ${half.rate.toFixed(1)} orders/s`,
    },
    {
      id: 'order-start-p99',
      figure: 'order start p99 at half the saturating rate',
      now: half?.startMs?.p99,
      unit: 'ms',
      goal: GOALS.orderStartP99Ms,
      atLeast: false,
      detail: half?.rate === undefined ? undefined : `at ${half.rate.toFixed(1)} orders/s`,
    },
    ...(['workflowTask', 'activity'] as const).map((kind): Figure => ({
      id: `schedule-to-start-p99-${kind === 'workflowTask' ? 'workflow-task' : 'activity'}`,
      figure: `schedule-to-start p99 at half rate, ${kind === 'workflowTask' ? 'workflow tasks' : 'activities'}`,
      now: s2s?.[kind],
      unit: 'ms',
      goal: null,
      atLeast: false,
      detail: s2s?.[kind] === undefined ? undefined : "at most (the worker's histogram bucket)",
    })),
    {
      id: 'stack-rss',
      figure: 'local stack RSS, idle (make up, 9 processes)',
      now: r.rss?.totalMb === undefined ? undefined : r.rss.totalMb / 1024,
      unit: 'GiB',
      goal: GOALS.stackRssGiB,
      atLeast: false,
      detail: biggest ? `largest (MB): ${biggest}` : undefined,
    },
    {
      id: 'stack-pss',
      figure: 'local stack PSS, idle (shared pages counted once)',
      now: r.rss?.totalPssMb === undefined ? undefined : r.rss.totalPssMb / 1024,
      unit: 'GiB',
      goal: null,
      atLeast: false,
    },
    {
      id: 'up-first',
      figure: 'make up to all ready, first run (build caches empty)',
      now: r.up?.firstS,
      unit: 's',
      goal: null,
      atLeast: false,
      detail: slowest(r.up?.first && [r.up.first]),
    },
    ...(['cold', 'afterChange'] as const).map((when): Figure => ({
      id: when === 'cold' ? 'up-cold' : 'up-after-change',
      figure: `make up to all ready, ${when === 'cold' ? 'cold (fresh data)' : 'after a code change'} (median)`,
      now: r.up?.[`${when}S`]?.median,
      unit: 's',
      goal: GOALS.upS,
      atLeast: false,
      detail: slowest(r.up?.[when]),
    })),
  ];
}

/** Whether a figure meets its goal (null: not measured, or no goal) and now ÷ goal. */
export function judge(g: Figure): { met: boolean | null; ofGoal: number | null } {
  if (g.now === undefined || g.goal === null) return { met: null, ofGoal: null };
  return { met: g.atLeast ? g.now >= g.goal : g.now <= g.goal, ofGoal: g.now / g.goal };
}

function read<S extends z.ZodType>(file: string, schema: S): z.output<S> | undefined {
  if (!fs.existsSync(file)) return undefined;
  const parsed = schema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

/** Prints the table of every figure and writes the summary; figures missing from the reports show as `-`. */
export function printGoals(dir = '.data/bench'): void {
  const reports: Reports = {
    foundation: read(`${dir}/foundation.json`, foundationSchema),
    features: read(`${dir}/features.json`, featuresSchema),
    orders: read(`${dir}/orders.json`, ordersSchema),
    rss: read(`${dir}/rss.json`, rssSchema),
    up: read(`${dir}/up.json`, upSchema),
  };
  const rows = figures(reports).map((g) => ({ ...g, ...judge(g) }));
  const table = new Table({
    head: ['figure', 'now', 'goal', 'now ÷ goal', '', 'detail'].map((h) => pc.bold(h)),
    style: { head: [], border: [] },
  });
  const fmt = (x: number, unit: string) => `${unit === '×' || x < 1 ? x.toFixed(3) : x.toFixed(2)} ${unit}`;
  for (const g of rows) {
    const verdict =
      g.now === undefined
        ? pc.dim('not measured')
        : g.met === null
          ? pc.dim('reported')
          : g.met
            ? pc.green('met')
            : pc.red('not met');
    table.push([
      g.figure,
      g.now === undefined ? '-' : fmt(g.now, g.unit),
      g.goal === null ? '-' : `${g.atLeast ? '≥' : '≤'} ${fmt(g.goal, g.unit)}`,
      g.ofGoal === null ? '-' : g.ofGoal.toFixed(2),
      verdict,
      g.detail ?? '',
    ]);
  }
  console.log(`\n${pc.bold('goals')}\n${table.toString()}`);
  const s2s = reports.orders?.halfRate?.scheduleToStartP99Ms;
  writeReport(`${dir}/summary.json`, {
    date: new Date().toISOString(),
    goals: rows.map((g) => ({ ...g, now: g.now ?? null })),
    scheduleToStartP99Ms: s2s ?? null,
    reports: {
      foundation: reports.foundation?.date ?? null,
      features: reports.features?.date ?? null,
      orders: reports.orders?.date ?? null,
      rss: reports.rss?.date ?? null,
      up: reports.up?.date ?? null,
    },
  });
}
