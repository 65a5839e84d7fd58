// The workflow API with the fraud-check patch forced on and no marker recorded: the same change
// without its patched() guard, which the replay test shows breaking the histories recorded before it.
import { patched as sdkPatched } from '@temporalio/workflow/lib/index.js';
import { FRAUD_CHECK_PATCH } from '../workflows/patches.ts';

export * from '@temporalio/workflow/lib/index.js';
export const patched = (id: string): boolean => (id === FRAUD_CHECK_PATCH ? true : sdkPatched(id));
