/** The load generator's shapes and its open-loop sender (tools/load/), without a platform. */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { dueAt, send } from '../tools/load/send.ts';
import { dueBy, rateAt, SPIKE_FACTOR, total } from '../tools/load/shapes.ts';
import type { Shape } from '../tools/load/shapes.ts';

const shape = (name: Shape['name'], rate: number, durationS: number): Shape => ({ name, rate, durationS });

describe('shapes', () => {
  it('ask for the orders their rate and duration say', () => {
    expect(total(shape('steady', 5, 60))).toBe(300);
    expect(total(shape('soak', 0.5, 1800))).toBe(900);
    // A ramp from 0 to the rate sends half of what steady would.
    expect(total(shape('ramp', 10, 60))).toBe(300);
    // The spike adds (factor − 1) × the rate over a tenth of the run.
    expect(total(shape('spike', 2, 10))).toBe(20 + (SPIKE_FACTOR - 1) * 2 * 1);
  });

  it('ramp up linearly, and spike only in the middle tenth', () => {
    const ramp = shape('ramp', 10, 100);
    expect([0, 25, 50, 100].map((t) => rateAt(ramp, t))).toEqual([0, 2.5, 5, 10]);
    const spike = shape('spike', 2, 100);
    expect([10, 44.9, 45, 54.9, 55, 90].map((t) => rateAt(spike, t))).toEqual([2, 2, 10, 10, 2, 2]);
    expect(dueBy(spike, 55) - dueBy(spike, 45)).toBeCloseTo(10 * SPIKE_FACTOR * 2);
  });

  it('give each order the moment the cumulative count reaches it, in order', () => {
    for (const s of [shape('steady', 4, 10), shape('ramp', 4, 10), shape('spike', 4, 10)]) {
      const times = Array.from({ length: total(s) }, (_, seq) => dueAt(s, seq));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      times.forEach((t, seq) => expect(dueBy(s, t)).toBeCloseTo(seq + 1, 6));
      expect(times.at(-1)).toBeLessThanOrEqual(s.durationS);
    }
    expect(dueAt(shape('steady', 4, 10), 0)).toBeCloseTo(0.25, 6);
  });
});

describe('the sender', () => {
  it('is an open loop: slow answers do not slow the sending', async () => {
    const sentAt: number[] = [];
    const t0 = performance.now();
    const sent = await send(shape('steady', 20, 1), {
      maxInFlight: 100,
      create: async (seq) => {
        sentAt.push(performance.now() - t0);
        await sleep(800);
        return { workflowId: `wf-${seq}` };
      },
    });
    expect(sent).toHaveLength(20);
    // Closed-loop, 20 answers of 800 ms would take 16 s; open-loop, the last leaves at ~1 s.
    expect(Math.max(...sentAt)).toBeLessThan(1_600);
    expect(sent.map((s) => s.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    for (const s of sent) expect(s.latencyMs).toBeGreaterThanOrEqual(790);
  });

  it('counts an order that waited for a slot as late, from when it was due', async () => {
    const sent = await send(shape('steady', 20, 0.5), {
      maxInFlight: 1,
      create: async (seq) => {
        await sleep(100);
        return { workflowId: `wf-${seq}` };
      },
    });
    // One slot, 100 ms per call: the tenth order, due at 0.5 s, is answered at ~1 s, ~500 ms late.
    expect(sent).toHaveLength(10);
    expect(sent[9]!.latencyMs).toBeGreaterThan(400);
    expect(sent[0]!.latencyMs).toBeLessThan(400);
  });

  it('reports a failed create as that order’s error and goes on', async () => {
    const sent = await send(shape('steady', 10, 0.3), {
      maxInFlight: 4,
      create: (seq) =>
        seq === 1 ? Promise.reject(new Error('409 already exists')) : Promise.resolve({ workflowId: `wf-${seq}` }),
    });
    expect(sent.map((s) => s.result)).toEqual([
      { workflowId: 'wf-0' },
      { error: '409 already exists' },
      { workflowId: 'wf-2' },
    ]);
  });
});
