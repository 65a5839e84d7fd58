/**
 * The scenarios' only way into the stack: the REST API over ky, for the scenario CLI (tools/scenarios.ts)
 * and for the API itself when the console launches a scenario (it calls its own REST API, as the CLI
 * does), with the manager's token unless a call names another. Non-2xx answers are returned, not thrown, so a scenario can tell "not yet" (202) and "duplicate"
 * (409) from a failure; a network error or a 5xx is thrown once, here, as a ScenarioError naming the call.
 */
import ky from 'ky';
import { customerToken } from './auth.ts';
import type { FaultPlan, OrderRequest, OrderState } from './contracts.ts';

/** A scenario that cannot go on: the message says what to do (the CLI's exit code 2 when `setup` is true). */
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
export type Reply<T> = { status: number; body: T };
export type Result = { done: OrderView } | { running: true } | { closed: string };
/** Who sends a signal: the manager (MANAGER_TOKEN) or a customer (a token under CUSTOMER_TOKEN_SECRET). */
export type Actor = 'manager' | { customer: string };

export function describeError(body: unknown): string {
  const e = (body as Partial<ApiErrorBody> | undefined)?.error;
  if (!e) return typeof body === 'string' ? body.slice(0, 200) : JSON.stringify(body).slice(0, 200);
  return `${e.type}/${e.code}: ${e.message}${e.param ? ` (param ${e.param})` : ''}`;
}

export function expect<T>(reply: Reply<unknown>, ok: number[], what: string): T {
  if (!ok.includes(reply.status)) throw new ScenarioError(`${what}: ${reply.status} ${describeError(reply.body)}`);
  return reply.body as T;
}

export type ScenarioApi = ReturnType<typeof createScenarioApi>;

/** The API at `apiUrl`, acting as its manager and its customers with the tokens given. */
export function createScenarioApi(options: { apiUrl: string; managerToken: string; customerTokenSecret: string }) {
  const apiUrl = options.apiUrl.replace(/\/+$/, '');
  const http = ky.create({ prefix: apiUrl, retry: 0, throwHttpErrors: false, timeout: 30_000 });
  const tokenOf = (actor: Actor): string =>
    actor === 'manager' ? options.managerToken : customerToken(options.customerTokenSecret, actor.customer);

  async function call<T>(
    method: 'get' | 'post' | 'patch' | 'delete',
    path: string,
    opts: { json?: unknown; token?: string; timeoutMs?: number } = {},
  ): Promise<Reply<T>> {
    const what = `${method.toUpperCase()} ${apiUrl}${path}`;
    // The manager's token unless told otherwise: under AUTH=strict it may read and start everything.
    const token = opts.token ?? options.managerToken;
    let res: Response;
    try {
      res = await http(path.replace(/^\//, ''), {
        method,
        ...(opts.json !== undefined && { json: opts.json }),
        ...(token && { headers: { Authorization: `Bearer ${token}` } }),
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

  const order = (workflowId: string, rest: string): string => `/api/v1/order/${encodeURIComponent(workflowId)}/${rest}`;

  return {
    apiUrl,
    call,
    tokenOf,
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
      as: Actor,
      json: object = {},
    ): Promise<void> {
      const reply = await call('post', order(workflowId, action), { json, token: tokenOf(as) });
      expect(reply, [200, 202, 204], `${action} ${workflowId}`);
    },
    async audit(): Promise<Audit> {
      const reply = await call('get', '/api/v1/audit', { timeoutMs: 60_000 });
      return expect<Audit>(reply, [200], 'GET /api/v1/audit');
    },
  };
}
