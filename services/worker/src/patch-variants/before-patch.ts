// The workflow API with the fraud-check patch forced off: the order workflow as it ran before the
// change (every patched() branch's old side), for the old worker of the versioning scenario.
import { patched as sdkPatched } from '@temporalio/workflow/lib/index.js';
import { FRAUD_CHECK_PATCH } from '../workflows/patches.ts';

export * from '@temporalio/workflow/lib/index.js';
export const patched = (id: string): boolean => (id === FRAUD_CHECK_PATCH ? false : sdkPatched(id));
