/**
 * The scenario CLI's API client: the kernel's (the console's launcher runs the same scenarios), pointed
 * at API_URL with the stack's tokens. Non-2xx answers are returned, not thrown; a network error or a
 * 5xx is a ScenarioError naming the call.
 */
import { localPorts, localUrl } from '@fake-stripe/kernel';
import { loadTemporalConfig } from '@fake-stripe/kernel/temporal-config';
import { createScenarioApi } from '@fake-stripe/kernel/scenarios';
import { localSetting } from '../stack/services.ts';

export { describeError, expect, ScenarioError } from '@fake-stripe/kernel/scenarios';
export type { ApiErrorBody, Audit, OrderBody, OrderView, Result } from '@fake-stripe/kernel/scenarios';

export const env = {
  apiUrl: (process.env.API_URL || localUrl('api')).replace(/\/+$/, ''),
  managerToken: localSetting('MANAGER_TOKEN'),
  customerTokenSecret: localSetting('CUSTOMER_TOKEN_SECRET'),
  /** Temporal, for the chaos scorecard's retries: the worker's and the API's envconfig settings. */
  temporal: loadTemporalConfig(),
  temporalUiUrl: (process.env.TEMPORAL_UI_URL || `http://localhost:${localPorts.temporalUi}`).replace(/\/+$/, ''),
};

export const api = createScenarioApi(env);
export const call = api.call;

/** The customer's bearer token under this stack's CUSTOMER_TOKEN_SECRET. */
export const customerToken = (customerId: string): string => api.tokenOf({ customer: customerId });

/** GET `url` once: the status and how long it took, or the network error. */
export async function ping(url: string): Promise<{ status: number | null; ms: number; detail: string }> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    const text = await res.text();
    return { status: res.status, ms: performance.now() - t0, detail: res.ok ? '' : text.slice(0, 120) };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { status: null, ms: performance.now() - t0, detail: cause ?? (err as Error).message };
  }
}

/** A link to the workflow in the Temporal Web UI. */
export const workflowLink = (workflowId: string): string =>
  `${env.temporalUiUrl}/namespaces/${env.temporal.namespace}/workflows/${encodeURIComponent(workflowId)}`;
