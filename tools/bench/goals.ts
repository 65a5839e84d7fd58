/**
 * The performance goals in one table, from the reports the benchmark parts wrote
 * (.data/bench/foundation.json, .data/bench/orders.json): each figure now, its goal, and whether it
 * is met. Written again as .data/bench/summary.json, the file to compare between commits.
 */
import fs from 'node:fs';
import Table from 'cli-table3';
import pc from 'picocolors';
import { z } from 'zod';
import { writeReport } from './process.ts';

type Goal = { figure: string; now: number | undefined; unit: string; goal: number; atLeast: boolean };

// Only the fields the goals read; a report of an older layout just leaves its figures out.
const n = z.number().optional();
const foundationSchema = z
  .object({
    date: z.string(),
    ratios: z.object({ bare: z.object({ ratio: n }).optional(), stripeMock: z.object({ ratio: n }).optional() }),
    payment: z.object({ cpuMsPerRequest: n }),
  })
  .partial();
const ordersSchema = z
  .object({
    date: z.string(),
    ratio: n,
    halfRate: z.object({
      startMs: z.object({ p99: n }),
      scheduleToStartP99Ms: z.object({ workflowTask: n, activity: n }),
    }),
  })
  .partial();

function read<S extends z.ZodType>(file: string, schema: S): z.output<S> | undefined {
  if (!fs.existsSync(file)) return undefined;
  const parsed = schema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

/** Prints the goals table and writes the summary; figures missing from the reports show as `-`. */
export function printGoals(dir = '.data/bench'): void {
  const foundation = read(`${dir}/foundation.json`, foundationSchema);
  const orders = read(`${dir}/orders.json`, ordersSchema);
  const goals: Goal[] = [
    {
      figure: 'authorize ÷ stripe-mock PaymentIntent create (req/s)',
      now: foundation?.ratios?.stripeMock?.ratio,
      unit: '×',
      goal: 1,
      atLeast: true,
    },
    {
      figure: 'authorize ÷ bare node:http (req/s)',
      now: foundation?.ratios?.bare?.ratio,
      unit: '×',
      goal: 0.25,
      atLeast: true,
    },
    {
      figure: 'authorize CPU per request',
      now: foundation?.payment?.cpuMsPerRequest,
      unit: 'ms',
      goal: 0.1,
      atLeast: false,
    },
    { figure: 'orders ÷ 5-no-op-activity baseline (per s)', now: orders?.ratio, unit: '×', goal: 0.8, atLeast: true },
    {
      figure: 'order start p99 at half the saturating rate',
      now: orders?.halfRate?.startMs?.p99,
      unit: 'ms',
      goal: 100,
      atLeast: false,
    },
  ];
  const table = new Table({
    head: ['figure', 'now', 'goal', ''].map((h) => pc.bold(h)),
    style: { head: [], border: [] },
  });
  const fmt = (n: number, unit: string) => `${unit === '×' ? n.toFixed(3) : n.toFixed(2)} ${unit}`;
  for (const g of goals) {
    const met = g.now === undefined ? undefined : g.atLeast ? g.now >= g.goal : g.now <= g.goal;
    const verdict = met === undefined ? pc.dim('not measured') : met ? pc.green('met') : pc.red('not met');
    table.push([
      g.figure,
      g.now === undefined ? '-' : fmt(g.now, g.unit),
      `${g.atLeast ? '≥' : '≤'} ${fmt(g.goal, g.unit)}`,
      verdict,
    ]);
  }
  const s2s = orders?.halfRate?.scheduleToStartP99Ms;
  console.log(`\n${pc.bold('goals')}\n${table.toString()}`);
  if (s2s)
    console.log(
      `schedule-to-start p99 at half rate: workflow task ≤ ${s2s.workflowTask ?? '-'} ms, activity ≤ ${s2s.activity ?? '-'} ms`,
    );
  writeReport(`${dir}/summary.json`, {
    date: new Date().toISOString(),
    goals: goals.map((g) => ({
      ...g,
      met: g.now === undefined ? null : g.atLeast ? g.now >= g.goal : g.now <= g.goal,
    })),
    scheduleToStartP99Ms: s2s ?? null,
    reports: { foundation: foundation?.date ?? null, orders: orders?.date ?? null },
  });
}
