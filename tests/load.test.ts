/**
 * `make load` (tools/load.ts) as a user runs it: a real process sending orders at a shape's rate
 * through the API of a real platform under the seeded default chaos, then its report.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isTerminal } from '@fake-stripe/kernel';
import { repoRoot, tempDir } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { total } from '../tools/load/shapes.ts';
import { startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

const run = promisify(execFile);
let p: Platform;
let api: Running;
const dir = tempDir('fake-stripe-load-');

beforeAll(async () => {
  p = await startPlatform({ labelMs: 50, seed: 'load-1' });
  await p.startWorker();
  api = await p.startApi();
}, 120_000);
afterAll(async () => {
  await p?.stop();
  dir.remove();
}, 60_000);

const load = (args: string[]) =>
  run(process.execPath, [join(repoRoot, 'tools/load.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, API_URL: api.url, TEMPORAL_ADDRESS: p.env.address, NO_COLOR: '1' },
    maxBuffer: 16 * 1024 * 1024,
  });

describe('make load', () => {
  it('sends a spike’s orders on time, waits for every one, and reports latency, outcomes and a clean audit', async () => {
    const json = join(dir.dir, 'spike.json');
    const { stdout } = await load([
      '--shape',
      'spike',
      '--rate',
      '3',
      '--duration',
      '4',
      '--wait',
      '120',
      '--json',
      json,
    ]);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    const asked = total({ name: 'spike', rate: 3, durationS: 4 });
    expect(report.orders).toEqual({ asked, accepted: asked, refused: 0 });
    // Open loop: sending took about the shape's duration, not one burst, and not a stall.
    expect(report.sendRate.asked).toBeCloseTo(asked / 4);
    expect(report.sendRate.achieved).toBeGreaterThan(report.sendRate.asked * 0.4);
    expect(report.sendRate.achieved).toBeLessThan(report.sendRate.asked * 1.1);
    const { p50, p90, p99, max } = report.createLatencyMs;
    expect(0 < p50 && p50 <= p90 && p90 <= p99 && p99 <= max).toBe(true);
    // Every order is accounted for, each in a final status; the chaos decided some of them.
    const outcomes = report.outcomes as Record<string, number>;
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(asked);
    expect(Object.keys(outcomes).filter((s) => !isTerminal(s))).toEqual([]);
    expect(report.audit).toMatchObject({ ok: true, violations: 0, stuck: 0 });
    expect(report.audit.checkedOrders).toBeGreaterThanOrEqual(asked);
    // What the user reads: the send table, the scorecard's retries and the verdict.
    expect(stdout).toMatch(/create latency p50 \/ p90 \/ p99 \/ max/);
    expect(stdout).toMatch(/retries \(attempts > 1\)/);
    expect(stdout).toMatch(/✔ load passed/);
  }, 240_000);

  it('refuses a shape it does not know, and a rate that is not a number, before sending anything', async () => {
    for (const [args, why] of [
      [['--shape', 'square'], /--shape: Invalid option/],
      [['--rate', 'fast'], /--rate: Invalid input: expected number/],
      [['--rate=-1'], /--rate: Too small/],
    ] as const) {
      const err = (await load([...args]).catch((e: unknown) => e)) as { code: number; stderr: string };
      expect({ code: err.code, stderr: err.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(why) });
    }
  });
});
