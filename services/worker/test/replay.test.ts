import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { temporal } from '@temporalio/proto';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { upsertedOrderStatuses } from '@fake-stripe/kernel/testing';
import { visibilityStatuses } from '@fake-stripe/kernel/contracts';
import { bundlePatchVariant } from '../src/patch-variants/bundle.ts';
import { patchMarkers } from '../src/patch-variants/markers.ts';
import { bundleWorkflows, sharedWorkflowModules, workerSinks } from '../src/worker.ts';
import { FRAUD_CHECK_PATCH, VISIBILITY_STATUS_PATCH } from '../src/workflows/patches.ts';

// Recorded histories of finished workflows (`RECORD_HISTORIES=1 npm test -- tests/order-saga`, and
// tests/user-context, tests/crash-services and tests/versioning for the other workflows and the
// fraud check). Replaying them against today's workflow code proves a change does not break running
// orders: a non-deterministic change fails here, and must be guarded with patched(). They replay with
// the worker's workflow interceptors (tracing), which must not change a command either. The order
// fixtures recorded before a patch stay as they were recorded (re-recording overwrites them with the
// new code's histories; restore them): the patch tests below need them.
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
const hasPatchMarker = (h: History, id: string): boolean => patchMarkers(h).includes(id);

/** Order histories recorded before the fraud check existed that reached capture (its patch point). */
const beforeFraudCheck = fixtures.filter((f) => {
  const types = activities(history(f));
  return types.includes('capturePayment') && !types.includes('screenOrder');
});
/** Order histories recorded after it: screened, with the patch's marker. */
const afterFraudCheck = fixtures.filter((f) => activities(history(f)).includes('screenOrder'));

const orderFixtures = fixtures.filter((f) => f.startsWith('order-'));
/** Order histories from before the coarse visibility statuses: OrderStatus upserted at every step. */
const everyStepUpserts = orderFixtures.filter((f) => !hasPatchMarker(history(f), VISIBILITY_STATUS_PATCH));
/** Order histories recorded after: the patch's marker, and the visibility statuses only. */
const coarseUpserts = orderFixtures.filter((f) => hasPatchMarker(history(f), VISIBILITY_STATUS_PATCH));

const replay = (file: string, workflowBundle: WorkflowBundleWithSourceMap) =>
  Worker.runReplayHistory({ workflowBundle, replayName: file, sinks: workerSinks() }, history(file));

/** Today's workflow code, bundled once as the worker bundles it. */
let current: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  current = await bundleWorkflows();
}, 120_000);

/** Replays `file` on `bundle` (an unguarded one): it must fail as nondeterministic, saying `why`. */
async function expectReplayFailure(file: string, bundle: WorkflowBundleWithSourceMap, why: RegExp): Promise<void> {
  const failure = await replay(file, bundle).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(failure).toBeInstanceOf(DeterminismViolationError);
  expect(String(failure)).toMatch(why);
}

describe('workflow replay', () => {
  it("replays on today's bundle, whose contracts are evaluated once per worker thread, not per workflow", () => {
    const preload = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(current.code)?.[1];
    expect(sharedWorkflowModules.length).toBeGreaterThan(0);
    for (const name of sharedWorkflowModules) expect(preload).toContain(`/*! ${name} */`);
  });

  it('has recorded histories to replay, from before and after the fraud check', () => {
    expect(fixtures).toEqual(
      expect.arrayContaining(['order-happy-path.json', 'order-shipping-fails-compensation.json']),
    );
    expect(beforeFraudCheck.length).toBeGreaterThanOrEqual(4);
    expect(afterFraudCheck).toEqual(
      expect.arrayContaining(['order-fraud-check-passed.json', 'order-fraud-check-refused.json']),
    );
    for (const f of afterFraudCheck) expect(hasPatchMarker(history(f), FRAUD_CHECK_PATCH)).toBe(true);
    for (const f of beforeFraudCheck) expect(patchMarkers(history(f))).toEqual([]);
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

  const expectNondeterminism = (file: string, why: RegExp) => expectReplayFailure(file, unguarded, why);

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

describe(`the ${VISIBILITY_STATUS_PATCH} patch`, () => {
  let unguarded: WorkflowBundleWithSourceMap;
  let before: WorkflowBundleWithSourceMap;
  beforeAll(async () => {
    [unguarded, before] = await Promise.all([
      bundlePatchVariant('unguarded', VISIBILITY_STATUS_PATCH),
      bundlePatchVariant('before', VISIBILITY_STATUS_PATCH),
    ]);
  }, 120_000);

  it('has order histories from before (a step status at every step) and after it (visibility statuses only)', () => {
    expect(everyStepUpserts.length).toBeGreaterThanOrEqual(4);
    // The first step's own status, which the new code lists as in_progress.
    for (const f of everyStepUpserts) expect(upsertedOrderStatuses(history(f))[0]).toBe('authorizing');
    expect(coarseUpserts).toEqual(
      expect.arrayContaining([
        'order-visibility-shipped.json',
        'order-visibility-approved.json',
        'order-visibility-cancelled-while-capturing.json',
      ]),
    );
    for (const f of coarseUpserts) {
      const upserted = upsertedOrderStatuses(history(f));
      expect(upserted.every((s) => (visibilityStatuses as readonly string[]).includes(s))).toBe(true);
      // Written only on a change.
      expect(upserted.filter((s, i) => s === upserted[i - 1])).toEqual([]);
    }
  });

  it.each(everyStepUpserts)(
    'is needed: without the patched() guard, %s (an upsert at every step) fails replay as nondeterministic',
    async (file) => {
      // The new code skips the step's upsert where the history has one.
      await expectReplayFailure(file, unguarded, /TMPRL1100\] Nondeterminism error: .*UpsertWorkflowSearchAttributes/);
    },
    60_000,
  );

  it.each(everyStepUpserts)(
    'keeps the old code: %s replays on the bundle with the patch forced off',
    async (file) => {
      await replay(file, before);
    },
    60_000,
  );
});
