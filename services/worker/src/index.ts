// What other packages (the API, cross-service tests) use of the worker.
export { createActivities } from './activities/index.ts';
export type { Activities, ActivityDeps } from './activities/index.ts';
export { createUserContextActivities } from './activities/user-context.ts';
export { createStripeClient } from './activities/stripe-client.ts';
export { bundleWorkflows, workerSinks, workerOptions } from './worker.ts';
export { activityInterceptors } from './tracing.ts';
export { DEFAULT_FRAUD_RULES } from './activities/index.ts';
export { bundlePatchVariant } from './patch-variants/bundle.ts';
export { patchMarkers } from './patch-variants/markers.ts';
export { FRAUD_CHECK_PATCH } from './workflows/patches.ts';
export { createScheduledActivities } from './activities/scheduled.ts';
export { loadWorkerEnv } from './config.ts';
