/**
 * The scenarios' only way into the stack: the REST API over ky. Non-2xx answers are
 * returned, not thrown, so a scenario can tell "not yet" (202) and "duplicate" (409) from a failure;
 * a network error or an unexpected status is thrown once, here, as a ScenarioError naming the call.
 */
import { customerToken as tokenFor, localPorts, localUrl } from '@fake-stripe/kernel';
import { loadTemporalConfig } from '@fake-stripe/kernel/temporal-config';
import type { FaultPlan, OrderRequest, OrderState } from '@fake-stripe/kernel';
import ky from 'ky';
import { localSetting } from '../stack/services.ts';

export const env = {
  apiUrl: (process.env.API_URL || localUrl('api')).replace(/\/+$/, ''),
  managerToken: localSetting('MANAGER_TOKEN'),
  customerTokenSecret: localSetting('CUSTOMER_TOKEN_SECRET'),
  /** Temporal, for the chaos scorecard's retries: the worker's and the API's envconfig settings. */
  temporal: loadTemporalConfig(),
  temporalUiUrl: (process.env.TEMPORAL_UI_URL || `http://localhost:${localPorts.temporalUi}`).replace(/\/+$/, ''),
};

/** A scenario that cannot go on: the message says what to do (exit code 2 when `setup` is true). */
export class ScenarioError extends Error {
  readonly setup: boolean;
  constructor(message: string, setup = false) {
    super(message);
    this.name = 'ScenarioError';
    this.setup = setup;
  }
}

/** What `GET /order/{id}/status` answers: the workflow's state plus the label's live progress. */
export type OrderView = OrderState & { currentStepProgress?: number };
export type OrderBody = Omit<OrderRequest, 'faults'> & { faults?: FaultPlan };
export type ApiErrorBody = { error: { type: string; code: string; message: string; param?: string } };
export type Audit = {
  ok: boolean;
  checkedOrders: number;
  violations: Array<{ orderId?: string; sku?: string; rule: string; detail: string }>;
  /** Orders parked in compensation_stuck. */
  stuck: string[];
  checkedAt: string;
};

type Reply<T> = { status: number; body: T };
export type Result = { done: OrderView } | { running: true } | { closed: string };
const http = ky.create({ prefix: env.apiUrl, retry: 0, throwHttpErrors: false, timeout: 30_000 });

export async function call<T>(
  method: 'get' | 'post' | 'patch',
  path: string,
  opts: { json?: unknown; token?: string; timeoutMs?: number } = {},
): Promise<Reply<T>> {
  const what = `${method.toUpperCase()} ${env.apiUrl}${path}`;
  let res: Response;
  try {
    res = await http(path.replace(/^\//, ''), {
      method,
      ...(opts.json !== undefined && { json: opts.json }),
      ...(opts.token && { headers: { Authorization: `Bearer ${opts.token}` } }),
      ...(opts.timeoutMs && { timeout: opts.timeoutMs }),
    });
  } catch (err) {
    throw new ScenarioError(`${what}: ${(err as Error).message}. Is the stack up? (make up DETACH=1)`, true);
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the message
  }
  if (res.status >= 500) throw new ScenarioError(`${what}: ${res.status} ${describeError(body)}`);
  return { status: res.status, body: body as T };
}

export function describeError(body: unknown): string {
  const e = (body as Partial<ApiErrorBody> | undefined)?.error;
  if (!e) return typeof body === 'string' ? body.slice(0, 200) : JSON.stringify(body).slice(0, 200);
  return `${e.type}/${e.code}: ${e.message}${e.param ? ` (param ${e.param})` : ''}`;
}

export function expect<T>(reply: Reply<unknown>, ok: number[], what: string): T {
  if (!ok.includes(reply.status)) throw new ScenarioError(`${what}: ${reply.status} ${describeError(reply.body)}`);
  return reply.body as T;
}

/** The customer's bearer token under this stack's CUSTOMER_TOKEN_SECRET. */
export const customerToken = (customerId: string): string => tokenFor(env.customerTokenSecret, customerId);

const order = (workflowId: string, rest: string): string => `/api/v1/order/${encodeURIComponent(workflowId)}/${rest}`;

export const api = {
  /** 201 `{workflowId, runId}`, or 409 with the existing order's workflow id. */
  async createOrder(body: OrderBody): Promise<Reply<{ workflowId: string; runId?: string } | ApiErrorBody>> {
    const reply = await call<{ workflowId: string; runId: string }>('post', '/api/v1/order', { json: body });
    expect(reply, [201, 409], `POST /api/v1/order (${body.orderId})`);
    return reply;
  },
  async status(workflowId: string): Promise<OrderView> {
    return expect<OrderView>(await call('get', order(workflowId, 'status')), [200], `status of ${workflowId}`);
  },
  /** The final state (`done`), `running` after `waitSeconds`, or how the workflow itself closed otherwise. */
  async result(workflowId: string, waitSeconds: number): Promise<Result> {
    type Body = { status: string; result?: OrderView; error?: { type?: string; message: string } };
    const reply = await call<Body>('get', `${order(workflowId, 'result')}?wait=${waitSeconds}`, {
      timeoutMs: (waitSeconds + 15) * 1000,
    });
    const body = expect<Body>(reply, [200, 202], `result of ${workflowId}`);
    if (reply.status === 202) return { running: true };
    if (body.status === 'completed' && body.result) return { done: body.result };
    return { closed: `workflow ${body.status}${body.error ? `: ${body.error.message}` : ''}` };
  },
  async signal(
    workflowId: string,
    action: 'approve' | 'reject' | 'cancel',
    token: string,
    json: object = {},
  ): Promise<void> {
    expect(await call('post', order(workflowId, action), { json, token }), [200, 202, 204], `${action} ${workflowId}`);
  },
  async audit(): Promise<Audit> {
    return expect<Audit>(await call('get', '/api/v1/audit', { timeoutMs: 60_000 }), [200], 'GET /api/v1/audit');
  },
};

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
