/**
 * Closed-loop load for the orders benchmark: `starters` loops, each starts one workflow, waits for its
 * completion and starts the next. A warm-up (not counted) precedes the measured window; the rate is
 * the completions inside the window ÷ its length; latencies are those of the workflows started inside
 * it (the ones still running at its end are awaited, then the loops stop).
 */
import { performance } from 'node:perf_hooks';
import pc from 'picocolors';
import { percentile } from '../percentile.ts';

/** What one run reports: its start call's latency and its final status. A throw counts as an error. */
export interface Outcome {
  callMs: number;
  status: string;
}

export interface LoadOptions {
  name: string;
  starters: number;
  warmupS: number;
  durationS: number;
  /** The status of a successful workflow (`shipped`, `done`): only those count as completed. */
  success: string;
  /** Seconds between progress lines. */
  progressS: number;
  run: (seq: number) => Promise<Outcome>;
  /** Called when the measured window opens and closes (for CPU samples). */
  onWindow?: (edge: 'start' | 'end') => void;
}

export interface Percentiles {
  p50: number;
  p99: number;
  avg: number;
  max: number;
}

export interface LoadResult {
  /** Successful completions inside the window ÷ the window's length. */
  perSecond: number;
  /** Successful completions inside the window. */
  completed: number;
  windowS: number;
  /** Latency of the start call (POST /api/v1/order, or workflow.start), workflows started in the window. */
  startMs: Percentiles;
  /** Start call → completion seen by the starter, workflows started in the window. */
  completionMs: Percentiles;
  /** Errors (failed calls, unexpected answers) over the whole run, warm-up included. */
  errors: number;
  errorSamples: string[];
  /** Final statuses of every workflow of the run, warm-up included. */
  statuses: Record<string, number>;
  /** Workflows started over the whole run. */
  started: number;
}

/** BENCH_STARTERS: the concurrencies to run, comma-separated, ascending; unset or not counts: 8 and 32. */
export function parseStarters(raw: string | undefined): number[] {
  const counts = (raw ?? '').split(',').map((c) => Number(c.trim()));
  if (raw?.trim() && counts.every((c) => Number.isInteger(c) && c > 0))
    return [...new Set(counts)].sort((a, b) => a - b);
  if (raw?.trim()) console.log(pc.yellow(`warning: BENCH_STARTERS=${raw}: not counts; 8,32 instead`));
  return [8, 32];
}

/** Nearest-rank percentiles of `values` (ms, rounded to 0.1). */
export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number => percentile(sorted, p) ?? 0;
  const round = (n: number): number => Math.round(n * 10) / 10;
  const avg = sorted.length ? sorted.reduce((s, v) => s + v, 0) / sorted.length : 0;
  return { p50: round(at(50)), p99: round(at(99)), avg: round(avg), max: round(sorted.at(-1) ?? 0) };
}

const line = (name: string, msg: string): void => console.log(`  ${pc.dim(`${name}:`)} ${msg}`);

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const t0 = performance.now();
  const windowStart = t0 + o.warmupS * 1000;
  const windowEnd = windowStart + o.durationS * 1000;
  const startLatencies: number[] = [];
  const completionLatencies: number[] = [];
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  let [seq, completed, errors, inFlight, windowOpen] = [0, 0, 0, 0, false];

  const openWindow = (): void => {
    if (windowOpen) return;
    windowOpen = true;
    o.onWindow?.('start');
  };
  const warmupTimer = setTimeout(openWindow, Math.max(0, windowStart - performance.now()));
  const endTimer = setTimeout(() => o.onWindow?.('end'), Math.max(0, windowEnd - performance.now()));

  // Progress: completions per interval, so a stall or a slow-down shows while it happens.
  let [lastCompleted, lastErrors] = [0, 0];
  let done = 0;
  const progress = setInterval(() => {
    const now = performance.now();
    const rate = (done - lastCompleted) / o.progressS;
    const phase =
      now < windowStart
        ? `warm-up ${Math.round((now - t0) / 1000)}/${o.warmupS} s`
        : now < windowEnd
          ? `${Math.round((now - windowStart) / 1000)}/${o.durationS} s`
          : 'draining';
    const errs = errors > lastErrors ? pc.red(`${errors} errors`) : `${errors} errors`;
    line(
      o.name,
      `${phase}: ${completed} completed in the window, ${rate.toFixed(1)}/s now, ${inFlight} in flight, ${errs}`,
    );
    [lastCompleted, lastErrors] = [done, errors];
  }, o.progressS * 1000);

  async function starter(): Promise<void> {
    while (performance.now() < windowEnd) {
      const n = ++seq;
      const begin = performance.now();
      inFlight++;
      try {
        const outcome = await o.run(n);
        const end = performance.now();
        statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
        if (outcome.status !== o.success) continue;
        done++;
        if (end >= windowStart && end <= windowEnd) completed++;
        if (begin >= windowStart) {
          startLatencies.push(outcome.callMs);
          completionLatencies.push(end - begin);
        }
      } catch (err) {
        errors++;
        if (errorSamples.length < 5) errorSamples.push((err as Error).message ?? String(err));
        await new Promise((resolve) => setTimeout(resolve, 100)); // no hot loop against a failing target
      } finally {
        inFlight--;
      }
    }
  }

  try {
    await Promise.all(Array.from({ length: o.starters }, starter));
  } finally {
    clearTimeout(warmupTimer);
    clearTimeout(endTimer);
    clearInterval(progress);
  }
  return {
    perSecond: completed / o.durationS,
    completed,
    windowS: o.durationS,
    startMs: percentiles(startLatencies),
    completionMs: percentiles(completionLatencies),
    errors,
    errorSamples,
    statuses,
    started: seq,
  };
}
