/**
 * The `up` and `rss` parts of `make bench` (tools/bench.ts), on a `make up` stack of their own
 * (tools/bench/local-stack.ts: `node tools/stack.ts up --detach` with a temp DATA_DIR and free ports).
 *
 * up: BENCH_UP_RUNS (3) times, a new stack: cold (a fresh DATA_DIR, nothing running) timed from the
 *   command's start to every service ready; then as a user after editing the saga: the workflow
 *   source's mtime set to now, `make down`, and `make up` again on the same data ("after a code
 *   change"). The medians and every sample, and each service's own ready time as `make up` prints it.
 * rss: on the first stack, IDLE_SETTLE_S after it is ready, each of the nine processes' resident
 *   memory and the total (tools/measure-rss.ts's stackRss).
 * Writes .data/bench/up.json and .data/bench/rss.json; true when a part failed (a stack that did not
 * come up or go down).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Table from 'cli-table3';
import pc from 'picocolors';
import { IDLE_SETTLE_S, stackRss } from '../measure-rss.ts';
import type { StackRss } from '../measure-rss.ts';
import { percentile } from '../percentile.ts';
import { localStack } from './local-stack.ts';
import type { LocalStack, Up } from './local-stack.ts';
import { printMachine, writeReport } from './process.ts';

const root = path.resolve(import.meta.dirname, '../..');
const RUNS = Math.floor(Number(process.env.BENCH_UP_RUNS)) || 3;
/** What "a code change" touches: the order saga's workflow file, which the worker bundles at start. */
export const CHANGED_FILE = 'services/worker/src/workflows/order-fulfillment.ts';
const UP_FILE = '.data/bench/up.json';
const RSS_FILE = '.data/bench/rss.json';

const say = (msg: string): void => console.log(`${pc.cyan('▶')} ${msg}`);

/** The stack running now, for the signal path. */
let current: LocalStack | undefined;
/** SIGKILLs the stack of this part, if one runs (SIGINT path). */
export function cleanupStack(): void {
  current?.kill();
  current?.remove();
}

/** Median and samples of some times (s). */
export interface Times {
  median: number;
  samples: number[];
}
export function times(samples: number[]): Times {
  const sorted = [...samples].sort((a, b) => a - b);
  return { median: percentile(sorted, 50) ?? 0, samples };
}

const slowest = (up: Up): string =>
  Object.entries(up.readyS)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 2)
    .map(([name, s]) => `${name} ${s.toFixed(1)} s`)
    .join(', ');

/** Runs the parts asked for; true when one failed. */
export async function runStackBench(parts: { up: boolean; rss: boolean }): Promise<boolean> {
  const runs = parts.up ? RUNS : 1;
  const cold: Up[] = [];
  const afterChange: Up[] = [];
  let rss: StackRss | undefined;
  let failed = false;
  printMachine(`bench ${[parts.rss && 'rss', parts.up && 'up'].filter(Boolean).join(', ')}`);
  for (let i = 1; i <= runs && !failed; i++) {
    const stack = await localStack('fake-stripe-bench-stack-');
    current = stack;
    try {
      const up = await stack.up();
      cold.push(up);
      say(`make up, cold (${i}/${runs}): ${up.seconds.toFixed(2)} s to all ready (slowest: ${slowest(up)})`);
      if (parts.rss && !rss) {
        await sleep(IDLE_SETTLE_S * 1000);
        rss = await stackRss(stack.pids());
        say(
          `stack RSS, idle ${IDLE_SETTLE_S} s after ready: ${Math.round(rss.totalMb)} MB in ${rss.processes.length} processes`,
        );
      }
      if (parts.up) {
        const now = new Date();
        fs.utimesSync(path.join(root, CHANGED_FILE), now, now);
        await stack.down();
        const again = await stack.up();
        afterChange.push(again);
        say(
          `make up after a code change (${i}/${runs}): ${again.seconds.toFixed(2)} s to all ready (slowest: ${slowest(again)})`,
        );
      }
      await stack.down();
      stack.remove();
    } catch (err) {
      failed = true;
      console.error(pc.red(`bench ${parts.up ? 'up' : 'rss'} failed: ${(err as Error).stack ?? String(err)}`));
      await stack.down().catch(() => stack.kill());
      console.error(pc.red(`logs kept in ${stack.dir}/logs`));
    } finally {
      current = undefined;
    }
  }
  if (rss) {
    const table = new Table({
      head: ['process (make up, idle)', 'pid', 'RSS MB'].map((h) => pc.bold(h)),
      style: { head: [], border: [] },
    });
    for (const p of rss.processes) table.push([p.name, p.pid, Math.round(p.mb)]);
    table.push([pc.bold('total'), '', pc.bold(String(Math.round(rss.totalMb)))]);
    console.log(`\n${table.toString()}`);
  }
  if (cold.length > 0) {
    const names = Object.keys(cold[0]?.readyS ?? {});
    const table = new Table({
      head: ['make up', 'to all ready s', ...names.map((n) => `${n} s`)].map((h) => pc.bold(h)),
      style: { head: [], border: [] },
    });
    const row = (label: string, up: Up): Array<string> => [
      label,
      up.seconds.toFixed(2),
      ...names.map((n) => up.readyS[n]?.toFixed(1) ?? '-'),
    ];
    cold.forEach((up, i) => table.push(row(`cold ${i + 1}`, up)));
    afterChange.forEach((up, i) => table.push(row(`after a code change ${i + 1}`, up)));
    console.log(`\n${table.toString()}`);
    console.log(
      pc.dim(`(a service's own time runs from its start, once what it depends on is ready; changed: ${CHANGED_FILE})`),
    );
  }
  const date = new Date().toISOString();
  if (parts.up && cold.length > 0)
    writeReport(UP_FILE, {
      date,
      loadAverage: os.loadavg(),
      settings: { runs, changedFile: CHANGED_FILE },
      coldS: times(cold.map((u) => u.seconds)),
      ...(afterChange.length > 0 && { afterChangeS: times(afterChange.map((u) => u.seconds)) }),
      cold,
      afterChange,
    });
  if (rss) writeReport(RSS_FILE, { date, loadAverage: os.loadavg(), settings: { idleSettleS: IDLE_SETTLE_S }, ...rss });
  return failed;
}
