/**
 * The `up` and `rss` parts of `make bench` (tools/bench.ts), on a `make up` stack of their own
 * (tools/bench/local-stack.ts: `node tools/stack.ts up --detach` with a temp DATA_DIR and free ports),
 * and build caches of their own (FAKE_STRIPE_CACHE in a temp dir: Node's compile cache and the
 * workflow bundles, tools/stack/services.ts), so every run starts from the same state.
 *
 * up: first, once, a stack with those caches empty (a new clone's first `make up`); then
 *   BENCH_UP_RUNS (3) times, a new stack: cold (a fresh DATA_DIR, nothing running, the build caches
 *   as the runs before left them) timed from the command's start to every service ready; then as a
 *   user after editing the saga: a comment added to the workflow source (a new workflow bundle),
 *   `make down`, and `make up` again on the same data ("after a code change"); the source is put
 *   back. The medians of the cold and after-a-change runs and every sample, and each service's own
 *   ready time as `make up` prints it.
 * rss: on the first cold stack, IDLE_SETTLE_S after it is ready, each of the nine processes'
 *   resident memory and the total (tools/measure-rss.ts's stackRss).
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
/** What "a code change" edits: the order saga's workflow file, which the worker's bundle is made from. */
export const CHANGED_FILE = 'services/worker/src/workflows/order-fulfillment.ts';
const changed = path.join(root, CHANGED_FILE);
/** The changed file's content before the bench edited it, while an edit is in place. */
let original: string | undefined;
function editSource(run: number): void {
  original ??= fs.readFileSync(changed, 'utf8');
  fs.writeFileSync(changed, `${original}// make bench: a code change (${run}, ${new Date().toISOString()})\n`);
}
function restoreSource(): void {
  if (original !== undefined) fs.writeFileSync(changed, original);
  original = undefined;
}
const UP_FILE = '.data/bench/up.json';
const RSS_FILE = '.data/bench/rss.json';

const say = (msg: string): void => console.log(`${pc.cyan('▶')} ${msg}`);

/** The stack running now, for the signal path. */
let current: LocalStack | undefined;
/** The build caches of this part's stacks (FAKE_STRIPE_CACHE). */
let buildCache: string | undefined;
/** SIGKILLs the stack of this part, if one runs, and puts the edited source back (SIGINT path). */
export function cleanupStack(): void {
  current?.kill();
  current?.remove();
  restoreSource();
  if (buildCache) fs.rmSync(buildCache, { recursive: true, force: true });
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
  let first: Up | undefined;
  const cold: Up[] = [];
  const afterChange: Up[] = [];
  let rss: StackRss | undefined;
  let failed = false;
  printMachine(`bench ${[parts.rss && 'rss', parts.up && 'up'].filter(Boolean).join(', ')}`);
  buildCache = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-stripe-bench-cache-'));
  const env = { FAKE_STRIPE_CACHE: buildCache };
  // Run 0: the build caches empty (for the RSS too, which is read with them warm, as a user has them).
  for (let i = 0; i <= runs && !failed; i++) {
    const stack = await localStack('fake-stripe-bench-stack-', env);
    current = stack;
    try {
      const up = await stack.up();
      if (i === 0) {
        first = up;
        say(
          `make up, first run (build caches empty): ${up.seconds.toFixed(2)} s to all ready (slowest: ${slowest(up)})`,
        );
        await stack.down();
        stack.remove();
        continue;
      }
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
        editSource(i);
        await stack.down();
        const again = await stack.up().finally(restoreSource);
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
  fs.rmSync(buildCache, { recursive: true, force: true });
  buildCache = undefined;
  if (rss) {
    const table = new Table({
      head: ['process (make up, idle)', 'pid', 'RSS MB', 'PSS MB'].map((h) => pc.bold(h)),
      style: { head: [], border: [] },
    });
    const round = (x: number | undefined): string => (x === undefined ? '-' : String(Math.round(x)));
    for (const p of rss.processes) table.push([p.name, p.pid, round(p.mb), round(p.pssMb)]);
    table.push([pc.bold('total'), '', pc.bold(round(rss.totalMb)), pc.bold(round(rss.totalPssMb))]);
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
    if (first) table.push(row('first run, build caches empty', first));
    cold.forEach((up, i) => table.push(row(`cold ${i + 1}`, up)));
    afterChange.forEach((up, i) => table.push(row(`after a code change ${i + 1}`, up)));
    console.log(`\n${table.toString()}`);
    console.log(
      pc.dim(
        `(a service's own time runs from its start, once what it depends on is ready; cold: a fresh DATA_DIR, build caches warm; changed: ${CHANGED_FILE})`,
      ),
    );
  }
  const date = new Date().toISOString();
  if (parts.up && cold.length > 0)
    writeReport(UP_FILE, {
      date,
      loadAverage: os.loadavg(),
      settings: { runs, changedFile: CHANGED_FILE },
      ...(first && { firstS: first.seconds }),
      coldS: times(cold.map((u) => u.seconds)),
      ...(afterChange.length > 0 && { afterChangeS: times(afterChange.map((u) => u.seconds)) }),
      first,
      cold,
      afterChange,
    });
  if (rss) writeReport(RSS_FILE, { date, loadAverage: os.loadavg(), settings: { idleSettleS: IDLE_SETTLE_S }, ...rss });
  return failed;
}
