/**
 * The orders benchmark's baseline (tools/bench/orders.ts): five sequential no-op activities, with the
 * same activity options style as the order saga (start-to-close 10 s). The workflow bundle's entry of
 * tools/bench/baseline-worker.ts.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { BaselineActivities } from './baseline-activities.ts';

const STEPS = 5;

const { noop } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '10 seconds' });

export async function baselineWorkflow(): Promise<{ status: 'done'; steps: number }> {
  let steps = 0;
  for (let step = 1; step <= STEPS; step++) steps += (await noop(step)) > 0 ? 1 : 0;
  return { status: 'done', steps };
}
