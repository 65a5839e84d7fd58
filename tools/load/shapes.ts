/**
 * The load generator's shapes: how many orders should have been sent `t` seconds into a run of
 * `durationS` at `rate` orders/s. Each shape is its cumulative count in closed form, so the sender
 * (open loop: it never waits for an answer before sending the next order) sends exactly what the
 * shape asks, however late a tick fires, and a test can check the totals.
 */
export const shapeNames = ['steady', 'ramp', 'spike', 'soak'] as const;
export type ShapeName = (typeof shapeNames)[number];

export interface Shape {
  name: ShapeName;
  /** Orders/s: steady's and soak's rate, ramp's final rate, spike's base rate. */
  rate: number;
  durationS: number;
}

/** Spike: `SPIKE_FACTOR` × the base rate for the middle tenth of the run. */
export const SPIKE_FACTOR = 5;
const SPIKE_FROM = 0.45;
const SPIKE_LENGTH = 0.1;

/** What each shape is for, for `--help` and the report. */
export const shapeHelp: Record<ShapeName, string> = {
  steady: 'the rate from start to end',
  ramp: 'from 0 up to the rate, linearly (finds the rate where latency turns)',
  spike: `the rate, with ${SPIKE_FACTOR}× the rate for the middle tenth of the run (does it recover?)`,
  soak: 'the rate for a long time (default 30 min); the report shows each minute, to see drift',
};

/** The default duration of each shape, in seconds. */
export const defaultDurationS: Record<ShapeName, number> = { steady: 60, ramp: 60, spike: 60, soak: 1800 };

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Orders due by `t` seconds (0 ≤ t ≤ durationS), not rounded. */
export function dueBy(shape: Shape, t: number): number {
  const { rate, durationS: d } = shape;
  const at = clamp(t, 0, d);
  switch (shape.name) {
    case 'steady':
    case 'soak':
      return rate * at;
    case 'ramp':
      return (rate * at * at) / (2 * d);
    case 'spike':
      return rate * at + (SPIKE_FACTOR - 1) * rate * clamp(at - SPIKE_FROM * d, 0, SPIKE_LENGTH * d);
  }
}

/** The rate the shape asks for at `t` seconds, for the progress line. */
export function rateAt(shape: Shape, t: number): number {
  const { rate, durationS: d } = shape;
  if (t < 0 || t > d) return 0;
  if (shape.name === 'ramp') return (rate * t) / d;
  if (shape.name === 'spike' && t >= SPIKE_FROM * d && t < SPIKE_FROM * d + SPIKE_LENGTH * d)
    return SPIKE_FACTOR * rate;
  return rate;
}

/** The whole run's orders. */
export const total = (shape: Shape): number => Math.floor(dueBy(shape, shape.durationS) + 1e-9);
