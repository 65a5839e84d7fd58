import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { temporal } from '@temporalio/proto';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { bundlePatchVariant } from '../src/patch-variants/bundle.ts';
import { bundleWorkflows, workerSinks } from '../src/worker.ts';
import { FRAUD_CHECK_PATCH } from '../src/workflows/patches.ts';

// Recorded histories of finished workflows (`RECORD_HISTORIES=1 npm test -- tests/order-saga`, and
// tests/user-context, tests/crash-services and tests/versioning for the other workflows and the
// fraud check). Replaying them against today's workflow code proves a change does not break running
// orders: a non-deterministic change fails here, and must be guarded with patched(). They replay with
// the worker's workflow interceptors (tracing), which must not change a command either.
const dir = join(import.meta.dirname, 'histories');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));
type History = temporal.api.history.v1.IHistory;
const histories = new Map<string, History>(
  fixtures.map((f) => [f, historyFromJSON(JSON.parse(readFileSync(join(dir, f), 'utf8')))]),
);
const history = (file: string): History => {
  const h = histories.get(file);
  if (!h) throw new Error(`no history ${file}`);
  return h;
};
const activities = (h: History): string[] =>
  (h.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
const hasPatchMarker = (h: History): boolean =>
  (h.events ?? []).some((e) => JSON.stringify(e.markerRecordedEventAttributes?.details ?? {}).includes('patch'));

/** Order histories recorded before the fraud check existed that reached capture (its patch point). */
const beforeFraudCheck = fixtures.filter((f) => {
  const types = activities(history(f));
  return types.includes('capturePayment') && !types.includes('screenOrder');
});
/** Order histories recorded after it: screened, with the patch's marker. */
const afterFraudCheck = fixtures.filter((f) => activities(history(f)).includes('screenOrder'));

const replay = (file: string, workflowBundle: WorkflowBundleWithSourceMap) =>
  Worker.runReplayHistory({ workflowBundle, replayName: file, sinks: workerSinks() }, history(file));

/** Today's workflow code, bundled once as the worker bundles it. */
let current: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  current = await bundleWorkflows();
}, 120_000);

describe('workflow replay', () => {
  it('has recorded histories to replay, from before and after the fraud check', () => {
    expect(fixtures).toEqual(
      expect.arrayContaining(['order-happy-path.json', 'order-shipping-fails-compensation.json']),
    );
    expect(beforeFraudCheck.length).toBeGreaterThanOrEqual(4);
    expect(afterFraudCheck).toEqual(
      expect.arrayContaining(['order-fraud-check-passed.json', 'order-fraud-check-refused.json']),
    );
    for (const f of afterFraudCheck) expect(hasPatchMarker(history(f))).toBe(true);
    for (const f of beforeFraudCheck) expect(hasPatchMarker(history(f))).toBe(false);
  });

  it.each(fixtures)(
    'replays %s deterministically',
    async (file) => {
      await replay(file, current);
    },
    60_000,
  );
});

describe(`the ${FRAUD_CHECK_PATCH} patch`, () => {
  let unguarded: WorkflowBundleWithSourceMap;
  let before: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    [unguarded, before] = await Promise.all([bundlePatchVariant('unguarded'), bundlePatchVariant('before')]);
  }, 120_000);

  /** Replays `file` on the unguarded bundle: it must fail as nondeterministic, saying `why`. */
  async function expectNondeterminism(file: string, why: RegExp): Promise<void> {
    const failure = await replay(file, unguarded).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(DeterminismViolationError);
    expect(String(failure)).toMatch(why);
  }

  it.each(beforeFraudCheck)(
    'is needed: without the patched() guard, %s (recorded before the change) fails replay as nondeterministic',
    async (file) => {
      // The new code schedules the fraud check where the history goes on to the capture.
      await expectNondeterminism(file, /TMPRL1100\] Nondeterminism error/);
    },
    60_000,
  );

  it.each(afterFraudCheck)(
    'cannot be dropped at once: %s (recorded through the check) fails without the patched() call until deprecatePatch',
    async (file) => {
      await expectNondeterminism(file, /Non-deprecated patch marker/);
    },
    60_000,
  );

  it.each(beforeFraudCheck)(
    'keeps the old code: %s replays on the bundle with the patch forced off (the old worker of the scenario)',
    async (file) => {
      await replay(file, before);
    },
    60_000,
  );
});
