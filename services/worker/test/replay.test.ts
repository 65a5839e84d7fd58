import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { tracingSinks, workflowInterceptorModules } from '../src/tracing.ts';
import { workflowsPath } from '../src/worker.ts';

// Recorded histories of finished workflows (`RECORD_HISTORIES=1 npm test -- tests/order-saga`, and
// tests/user-context and tests/crash-services for the user-context and payment workflows).
// Replaying them against today's workflow code proves a change does not break running orders:
// a non-deterministic change fails here, and must be guarded with patched(). They replay with the
// worker's workflow interceptors (tracing), which must not change a command either.
const dir = join(import.meta.dirname, 'histories');
const fixtures = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('workflow replay', () => {
  it('has recorded histories to replay', () => {
    expect(fixtures).toEqual(
      expect.arrayContaining(['order-happy-path.json', 'order-shipping-fails-compensation.json']),
    );
  });

  it.each(fixtures)(
    'replays %s deterministically',
    async (file) => {
      const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
      await Worker.runReplayHistory(
        {
          workflowsPath,
          replayName: file,
          interceptors: { workflowModules: workflowInterceptorModules },
          sinks: tracingSinks,
        },
        history,
      );
    },
    60_000,
  );
});
