import {
  domainUrlsEnv,
  envBool,
  envEnum,
  envInt,
  envString,
  envText as text,
  envUrl,
  loadEnv,
  localPorts,
  localUrl,
  serviceEnvSchema,
} from '@fake-stripe/kernel';
import { withTemporalConfig } from '@fake-stripe/kernel/temporal-config';
import { TASK_QUEUE } from '@fake-stripe/kernel/workflow-definitions';
import { z } from 'zod';

/** Where the console's chaos changes are written (CONSOLE_CHAOS_WRITES). */
export const consoleChaosWrites = ['admin-api', 'configmap'] as const;

/**
 * The API's environment: the kernel's service variables plus Temporal (`temporal`, from the
 * TEMPORAL_* variables and profile by envconfig), the domains and the tokens.
 */
export const envSchema = withTemporalConfig(
  serviceEnvSchema.extend({
    PORT: envInt(localPorts.api),
    /** Task queue the API starts workflows on (the worker's TASK_QUEUE). */
    TASK_QUEUE: text(TASK_QUEUE),
    ...domainUrlsEnv,
    /** Bearer token of managers (approve, reject, cancel, operator, workflow cancel); unset disables them. */
    MANAGER_TOKEN: envString(),
    /** HMAC key of customers' tokens (cancel of their own orders); unset: only managers may cancel. */
    CUSTOMER_TOKEN_SECRET: envString(),
    /** Whether an order may carry a `faults` plan (forced chaos outcomes). */
    ALLOW_CHAOS_FORCING: envBool(true),
    /** Client timeout of one ledger request of the auditor. */
    HTTP_TIMEOUT_MS: envInt(10_000),
    /** Orders whose ledgers the auditor reads at once (three reads each: payment, inventory, shipping). */
    AUDIT_CONCURRENCY: envInt(8).pipe(z.number().min(1).max(64)),
    /** Upper bound of one Temporal query, update or describe call. */
    TEMPORAL_CALL_TIMEOUT_MS: envInt(10_000),
    /** Whether the API serves the web console (/console/ and its /console/api/ routes). */
    CONSOLE_ENABLED: envBool(true),
    /**
     * Where the console's chaos changes go: `admin-api`, each service's `PUT /<service>/chaos` with the
     * caller's admin token (a local stack); `configmap`, the service's chaos ConfigMap, patched through
     * the Kubernetes API with this pod's ServiceAccount (or KUBECONFIG) after the caller's admin token
     * (this API's ADMIN_TOKEN) and the document are checked (a cluster).
     */
    CONSOLE_CHAOS_WRITES: envEnum(consoleChaosWrites, 'admin-api'),
    /** The chaos ConfigMap of each service in `configmap` mode: `{service}` stands for its name. */
    CONSOLE_CHAOS_CONFIGMAP: text('fake-stripe-{service}-chaos'),
    /** Their namespace; unset: the pod's own (its ServiceAccount's), else the kubeconfig context's. */
    CONSOLE_CHAOS_NAMESPACE: envString(),
    /** The Temporal Web UI the console links an order's execution to (as the user's browser reaches it). */
    CONSOLE_TEMPORAL_UI_URL: envUrl(localUrl('temporalUi')),
    /** The Jaeger UI the console links an order's trace to (as the user's browser reaches it). */
    CONSOLE_JAEGER_URL: envUrl('http://127.0.0.1:16686'),
  }),
);
export type ApiEnv = z.infer<typeof envSchema>;
export const loadApiEnv = (): Readonly<ApiEnv> => loadEnv(envSchema);
