import { fileURLToPath } from 'node:url';
import { createDomainClient, logger, openMetricsRegistry } from '@fake-stripe/kernel';
import type { OpenMetricsRegistry } from '@fake-stripe/kernel';
import { createPublicApisClient } from '@fake-stripe/public-apis/client';
import type { LogLevel, LogMetadata, Logger as SdkLogger } from '@temporalio/common';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import { bundleWorkflowCode } from '@temporalio/worker';
import type {
  BundleOptions,
  InjectedSinks,
  NativeConnection,
  WorkerOptions,
  WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { OrderMetricsSinks } from '@fake-stripe/kernel/workflow-definitions';
import { createActivities } from './activities/index.ts';
import { createScheduledActivities } from './activities/scheduled.ts';
import { createStripeClient } from './activities/stripe-client.ts';
import { createUserContextActivities } from './activities/user-context.ts';
import type { ActivityDeps } from './activities/index.ts';
import type { WorkerEnv } from './config.ts';
import { orderMetricsSinks } from './order-metrics.ts';
import { activityInterceptors, oneOtelApi, tracingSinks, workflowInterceptorModules } from './tracing.ts';

export const workflowsPath = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

/** Temporal's logs (worker, workflow and activity, with workflow id and run id) go to pino. */
export const pinoForSdk = (): SdkLogger => {
  const log = logger.child({ module: 'temporal' });
  const at = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    const fn = { TRACE: log.trace, DEBUG: log.debug, INFO: log.info, WARN: log.warn, ERROR: log.error }[level].bind(
      log,
    );
    fn(meta ?? {}, message);
  };
  return {
    log: at,
    trace: (m, meta) => at('TRACE', m, meta),
    debug: (m, meta) => at('DEBUG', m, meta),
    info: (m, meta) => at('INFO', m, meta),
    warn: (m, meta) => at('WARN', m, meta),
    error: (m, meta) => at('ERROR', m, meta),
  };
};

export function activityDeps(env: WorkerEnv): ActivityDeps {
  return {
    payment: createDomainClient(env.PAYMENT_URL, env.HTTP_TIMEOUT_MS, env.SERVICE_TOKEN),
    stripe: createStripeClient(env.PAYMENT_URL, env.STRIPE_SECRET_KEY, env.HTTP_TIMEOUT_MS),
    inventory: createDomainClient(env.INVENTORY_URL, env.HTTP_TIMEOUT_MS, env.SERVICE_TOKEN),
    shipping: createDomainClient(env.SHIPPING_URL, env.HTTP_TIMEOUT_MS, env.SERVICE_TOKEN),
    notification: createDomainClient(env.NOTIFICATION_URL, env.HTTP_TIMEOUT_MS, env.SERVICE_TOKEN),
    labelExpectedMs: env.LABEL_EXPECTED_MS,
    labelTimeoutMs: env.LABEL_TIMEOUT_MS,
    fraud: {
      minAmount: env.FRAUD_CHECK_MIN_AMOUNT,
      blockedCustomers: env.FRAUD_BLOCKED_CUSTOMERS.split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    },
  };
}

const quiet = (): void => undefined;

/**
 * Modules the workflow sandbox evaluates once per worker thread, shared by every workflow, instead of
 * once per workflow: the contracts the workflows import values from, with the zod schemas they
 * define (and zod itself). Building those schemas again for each new workflow was about a fifth of
 * the workflow thread's CPU under load. Their module scope holds constants and pure functions only,
 * no per-workflow state, which is what sharing requires.
 */
export const sharedWorkflowModules = ['@fake-stripe/kernel/contracts', '@fake-stripe/kernel/subscription-contracts'];

/**
 * The workflow code bundled as the worker bundles it at start (with the tracing interceptors and one
 * OpenTelemetry API); `options` adds to or overrides that. Webpack's output is not shown.
 */
export const bundleWorkflows = (options: Partial<BundleOptions> = {}): Promise<WorkflowBundleWithSourceMap> =>
  bundleWorkflowCode({
    workflowsPath,
    workflowInterceptorModules,
    webpackConfigHook: oneOtelApi,
    preloadModules: sharedWorkflowModules,
    logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet },
    ...options,
  });

/** Every sink the workflows call: their spans, and the orders' fulfilment time (into `registry`). */
export const workerSinks = (
  registry: OpenMetricsRegistry = openMetricsRegistry(),
): InjectedSinks<OpenTelemetrySinks & OrderMetricsSinks> => ({
  ...tracingSinks,
  ...orderMetricsSinks(registry),
});

/**
 * The worker's options: every workflow and the real activities against the domain services; the
 * orders' fulfilment time is recorded in `registry` (the worker process's, which its /metrics serves;
 * by default one nobody scrapes).
 */
export function workerOptions(
  env: WorkerEnv,
  connection: NativeConnection,
  registry: OpenMetricsRegistry = openMetricsRegistry(),
): WorkerOptions {
  return {
    connection,
    namespace: env.temporal.namespace,
    taskQueue: env.TASK_QUEUE,
    // A bundle made ahead (the image's, by bundle.ts) starts at once; else webpack bundles now.
    ...(env.WORKFLOW_BUNDLE
      ? { workflowBundle: { codePath: env.WORKFLOW_BUNDLE } }
      : { workflowsPath, bundlerOptions: { webpackConfigHook: oneOtelApi, preloadModules: sharedWorkflowModules } }),
    activities: {
      ...createActivities(activityDeps(env)),
      ...createScheduledActivities({
        api: createDomainClient(env.API_URL, env.AUDIT_TIMEOUT_MS, env.SERVICE_TOKEN),
        inventoryAdmin: createDomainClient(env.INVENTORY_URL, env.HTTP_TIMEOUT_MS, env.ADMIN_TOKEN),
      }),
      ...createUserContextActivities(
        createPublicApisClient({
          location: { url: env.LOCATION_API_URL, timeoutMs: env.PUBLIC_API_TIMEOUT_MS },
          weather: { url: env.WEATHER_API_URL, timeoutMs: env.PUBLIC_API_TIMEOUT_MS },
          catFact: { url: env.CATFACT_API_URL, timeoutMs: env.PUBLIC_API_TIMEOUT_MS },
        }),
      ),
    },
    // One trace per order through Temporal. A bundle made ahead has the workflow interceptors in it.
    interceptors: {
      activity: activityInterceptors,
      ...(!env.WORKFLOW_BUNDLE && { workflowModules: workflowInterceptorModules }),
    },
    sinks: workerSinks(registry),
    // Heartbeats (and so activity cancellation) reach the server at least every second, not every
    // 0.8 × heartbeatTimeout: a cancelled label request stops promptly.
    maxHeartbeatThrottleInterval: '1 second',
  };
}
