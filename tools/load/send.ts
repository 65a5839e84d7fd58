/**
 * The open-loop sender: each order has the time its shape says it is due, and is sent then, whether
 * or not earlier orders have been answered. Only `maxInFlight` requests are open at once; an order
 * that waits for a slot is late, and its latency is counted from when it was due, not from when it
 * left, so a slow API shows as latency instead of silently lowering the rate.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pMap from 'p-map';
import { dueBy, total } from './shapes.ts';
import type { Shape } from './shapes.ts';

export interface Sent {
  /** 0-based position in the run. */
  seq: number;
  /** When the shape said to send it, ms after the run's start. */
  dueMs: number;
  /** From `dueMs` to the answer (ms). */
  latencyMs: number;
  /** The create call's result: the workflow id, or why it failed. */
  result: { workflowId: string } | { error: string };
}

/** When order `seq` (0-based) is due, in seconds: where the shape's cumulative count reaches seq + 1. */
export function dueAt(shape: Shape, seq: number): number {
  let [lo, hi] = [0, shape.durationS];
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (dueBy(shape, mid) >= seq + 1 - 1e-9) hi = mid;
    else lo = mid;
  }
  return hi;
}

export interface SendOptions {
  maxInFlight: number;
  /** Sends order `seq`, due `dueMs` after the run's start. */
  create: (seq: number, dueMs: number) => Promise<{ workflowId: string }>;
  /** After each answer. */
  onSent?: (sent: Sent, inFlight: number) => void;
}

/** Sends the shape's orders on time; resolves with every order's outcome, in send order. */
export async function send(shape: Shape, { maxInFlight, create, onSent }: SendOptions): Promise<Sent[]> {
  const t0 = performance.now();
  let inFlight = 0;
  async function* due(): AsyncGenerator<{ seq: number; dueMs: number }> {
    for (let seq = 0; seq < total(shape); seq++) {
      const dueMs = dueAt(shape, seq) * 1000;
      const wait = dueMs - (performance.now() - t0);
      if (wait > 0) await sleep(wait);
      yield { seq, dueMs };
    }
  }
  return pMap(
    due(),
    async ({ seq, dueMs }) => {
      inFlight++;
      let result: Sent['result'];
      try {
        result = await create(seq, dueMs);
      } catch (err) {
        result = { error: (err as Error).message };
      }
      inFlight--;
      const sent = { seq, dueMs, latencyMs: performance.now() - t0 - dueMs, result };
      onSent?.(sent, inFlight);
      return sent;
    },
    { concurrency: maxInFlight },
  );
}
