import {
  LOCAL_STRIPE_SECRET_KEY,
  domainUrlsEnv,
  checkAuthEnv,
  envInt,
  envString,
  envText,
  envUrl as url,
  loadEnv,
  localPorts,
  localUrl,
  serviceEnvSchema,
} from '@fake-stripe/kernel';
import { withTemporalConfig } from '@fake-stripe/kernel/temporal-config';
import type { z } from 'zod';
import { TASK_QUEUE } from '@fake-stripe/kernel/workflow-definitions';
import { DEFAULT_FRAUD_RULES } from './activities/index.ts';

/** The worker's environment; `temporal` is the connection envconfig reads from the TEMPORAL_* variables. */
export const envSchema = withTemporalConfig(
  // The service variables: AUTH (its start-up check), SERVICE_TOKEN (sent on every domain call), and
  // PORT/HOST of the health endpoints.
  serviceEnvSchema.extend({
    PORT: envInt(localPorts.worker),
    TASK_QUEUE: envText(TASK_QUEUE),
    ...domainUrlsEnv,
    /** The secret key the payment activities' `stripe` SDK sends to PAYMENT_URL's `/v1/` API. */
    STRIPE_SECRET_KEY: envText(LOCAL_STRIPE_SECRET_KEY),
    /** The three public APIs of userContextWorkflow (the public-apis stand-in by default). */
    LOCATION_API_URL: url(localUrl('public-apis', '/ipapi')),
    WEATHER_API_URL: url(localUrl('public-apis', '/open-meteo')),
    CATFACT_API_URL: url(localUrl('public-apis', '/catfact')),
    /** Client timeout of one public API call. */
    PUBLIC_API_TIMEOUT_MS: envInt(2_000),
    /** Client timeout of one domain call (a chaos `timeout` answers only after the service's timeoutMs). */
    HTTP_TIMEOUT_MS: envInt(10_000),
    /** Client timeout of label creation, which takes ~20 s by default. */
    LABEL_TIMEOUT_MS: envInt(45_000),
    /** The label time the progress heartbeat expects (shipping's default ~20 s). */
    LABEL_EXPECTED_MS: envInt(20_000),
    /** Prometheus endpoint of the SDK's worker metrics; 0 disables. */
    METRICS_PORT: envInt(localPorts.workerMetrics),
    OTEL_EXPORTER_OTLP_ENDPOINT: envString(),
    /** The fraud check screens orders of at least this amount (minor units) before capture. */
    FRAUD_CHECK_MIN_AMOUNT: envInt(DEFAULT_FRAUD_RULES.minAmount),
    /** Comma-separated customer ids whose screened orders the fraud check refuses. */
    FRAUD_BLOCKED_CUSTOMERS: envText(DEFAULT_FRAUD_RULES.blockedCustomers.join(',')),
    /** The API, whose auditor the scheduled auditWorkflow runs (GET /api/v1/audit). */
    API_URL: url(localUrl('api')),
    /** Client timeout of that audit call: it reads every order's ledgers. */
    AUDIT_TIMEOUT_MS: envInt(110_000),
    /** A workflow bundle made by bundle.ts (the image has one); unset: bundled at start. */
    WORKFLOW_BUNDLE: envString(),
    /** Without WORKFLOW_BUNDLE: a folder where the bundle of today's code is kept (bundle-cache.ts). */
    WORKFLOW_BUNDLE_CACHE: envString(),
  }),
);
export type WorkerEnv = z.infer<typeof envSchema>;
export function loadWorkerEnv(): WorkerEnv {
  const env = loadEnv(envSchema);
  checkAuthEnv(env);
  return env;
}
