/**
 * The workflow bundle with the fraud-check patch forced off (`before`: the code as it ran before the
 * change) or on without a guard (`unguarded`). Both are the worker's own workflow code: the bundler
 * resolves `@temporalio/workflow` to a module that differs only in `patched()` for that one id, so no
 * copy of the workflow can drift from the real one.
 */
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { oneOtelApi, withAliases, workflowInterceptorModules } from '../tracing.ts';
import { workflowsPath } from '../worker.ts';

export type PatchVariant = 'before' | 'unguarded';

const shims: Record<PatchVariant, string> = {
  before: fileURLToPath(new URL('./before-patch.ts', import.meta.url)),
  unguarded: fileURLToPath(new URL('./unguarded.ts', import.meta.url)),
};

const quiet = (): void => undefined;

export function bundlePatchVariant(variant: PatchVariant): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
    logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet },
    // `$`: the bare specifier only; the shim itself imports the SDK's lib/index.js.
    webpackConfigHook: (config) => oneOtelApi(withAliases(config, { '@temporalio/workflow$': shims[variant] })),
  });
}
