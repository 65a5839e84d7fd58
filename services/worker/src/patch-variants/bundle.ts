/**
 * The workflow bundle with the fraud-check patch forced off (`before`: the code as it ran before the
 * change) or on without a guard (`unguarded`). Both are the worker's own workflow code: the bundler
 * resolves `@temporalio/workflow` to a module that differs only in `patched()` for that one id, so no
 * copy of the workflow can drift from the real one.
 */
import { fileURLToPath } from 'node:url';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { oneOtelApi, withAliases } from '../tracing.ts';
import { bundleWorkflows } from '../worker.ts';

export type PatchVariant = 'before' | 'unguarded';

const shims: Record<PatchVariant, string> = {
  before: fileURLToPath(new URL('./before-patch.ts', import.meta.url)),
  unguarded: fileURLToPath(new URL('./unguarded.ts', import.meta.url)),
};

export function bundlePatchVariant(variant: PatchVariant): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflows({
    // `$`: the bare specifier only; the shim itself imports the SDK's lib/index.js.
    webpackConfigHook: (config) => oneOtelApi(withAliases(config, { '@temporalio/workflow$': shims[variant] })),
  });
}
