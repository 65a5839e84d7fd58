/**
 * The workflow bundle with one patch forced off (`before`: the code as it ran before that change) or
 * on without a guard (`unguarded`). Both are the worker's own workflow code: the bundler resolves
 * `@temporalio/workflow` to a module that differs only in `patched()` for that one id, so no copy of
 * the workflow can drift from the real one.
 */
import { fileURLToPath } from 'node:url';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { oneOtelApi, withAliases } from '../tracing.ts';
import { bundleWorkflows } from '../worker.ts';
import { FRAUD_CHECK_PATCH } from '../workflows/patches.ts';

export type PatchVariant = 'before' | 'unguarded';

const shim = fileURLToPath(new URL('./forced-patch.ts', import.meta.url));

export function bundlePatchVariant(
  variant: PatchVariant,
  patchId: string = FRAUD_CHECK_PATCH,
): Promise<WorkflowBundleWithSourceMap> {
  const forced = `${shim}?${new URLSearchParams({ [variant]: patchId }).toString()}`;
  return bundleWorkflows({
    // `$`: the bare specifier only; the shim itself imports the SDK's lib/index.js.
    webpackConfigHook: (config) => oneOtelApi(withAliases(config, { '@temporalio/workflow$': forced })),
  });
}
