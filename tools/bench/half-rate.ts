/**
 * The orders benchmark's latency phase: orders sent open-loop (tools/load/send.ts) at half the rate the
 * closed-loop phase saturated at, so the figures are what a user sees on a platform that keeps up:
 * the order-start call's p50/p99 (from when each order was due), completion p50/p99, and Temporal's
 * schedule-to-start p99 of workflow and activity tasks, from the worker's own metrics over the window.
 */
import pMap from 'p-map';
import { send } from '../load/send.ts';
import { percentiles } from './load.ts';
import type { Percentiles } from './load.ts';

export interface HalfRate {
  /** Orders/s asked (half the saturating rate) and over how long. */
  rate: number;
  durationS: number;
  sent: number;
  errors: number;
  errorSamples: string[];
  /** POST /api/v1/order, from when each order was due to its answer. */
  startMs: Percentiles;
  /** From when each order was due to its final status. */
  completionMs: Percentiles;
  statuses: Record<string, number>;
  /** Schedule-to-start over the window, from the worker's histograms: p99 is at most this (ms). */
  scheduleToStartP99Ms: { workflowTask?: number; activity?: number };
}

export interface HalfRateOptions {
  rate: number;
  durationS: number;
  workerMetricsUrl: string;
  /** POST one order; resolves with its workflow id. */
  start: (seq: number) => Promise<{ workflowId: string }>;
  /** Waits for the order's final status. */
  finish: (workflowId: string) => Promise<string>;
}

type Buckets = Map<number, number>;

/** Each histogram's cumulative bucket counts by upper bound, summed over every other label. */
export function histogramBuckets(text: string, names: string[]): Map<string, Buckets> {
  const out = new Map<string, Buckets>(names.map((n) => [n, new Map()]));
  for (const [, name = '', labels = '', value] of text.matchAll(/^(\w+)_bucket\{([^}]*)\} (\S+)$/gm)) {
    const buckets = out.get(name);
    const le = /(?:^|,)le="([^"]+)"/.exec(labels)?.[1];
    if (!buckets || le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(value));
  }
  return out;
}

/**
 * The upper bound of the bucket holding the q-quantile of the observations between two scrapes of
 * one histogram: "p99 ≤ this". Not interpolated inside the bucket: with the SDK's coarse buckets an
 * interpolated figure would look precise and say nothing (all under 100 ms reads as 99 ms).
 * Undefined without observations; Infinity beyond the last finite bound.
 */
export function quantileBound(before: Buckets, after: Buckets, q: number): number | undefined {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((b) => (after.get(b) ?? 0) - (before.get(b) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total <= 0) return undefined;
  return bounds[counts.findIndex((c) => c >= q * total)];
}

const WORKFLOW_TASK = 'temporal_workflow_task_schedule_to_start_latency';
const ACTIVITY = 'temporal_activity_schedule_to_start_latency';

export async function runHalfRate(o: HalfRateOptions): Promise<HalfRate> {
  const scrape = async () =>
    histogramBuckets(await (await fetch(o.workerMetricsUrl)).text(), [WORKFLOW_TASK, ACTIVITY]);
  const before = await scrape();
  const started = performance.now();
  const sent = await send(
    { name: 'steady', rate: o.rate, durationS: o.durationS },
    { maxInFlight: 256, create: o.start },
  );
  const statuses: Record<string, number> = {};
  const errorSamples: string[] = [];
  const completion: number[] = [];
  await pMap(
    sent,
    async (s) => {
      if ('error' in s.result) {
        if (errorSamples.length < 5) errorSamples.push(s.result.error);
        return;
      }
      const status = await o.finish(s.result.workflowId).catch((err: Error) => `error: ${err.message}`);
      statuses[status] = (statuses[status] ?? 0) + 1;
      completion.push(performance.now() - started - s.dueMs);
    },
    // Every order waited for at once: each finishes on its own, and the time it is seen is the time.
    { concurrency: 256 },
  );
  const after = await scrape();
  const p99 = (name: string): number | undefined => {
    const [a, b] = [before.get(name), after.get(name)];
    return a && b ? quantileBound(a, b, 0.99) : undefined;
  };
  return {
    rate: o.rate,
    durationS: o.durationS,
    sent: sent.length,
    errors: sent.filter((s) => 'error' in s.result).length,
    errorSamples,
    startMs: percentiles(sent.map((s) => s.latencyMs)),
    completionMs: percentiles(completion),
    statuses,
    scheduleToStartP99Ms: { workflowTask: p99(WORKFLOW_TASK), activity: p99(ACTIVITY) },
  };
}
