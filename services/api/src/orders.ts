/**
 * Orders through Temporal: start orderFulfillmentWorkflow, read its state (query while running, the
 * result once completed), deliver its signals and its operator Update, and list orders through the
 * search attributes.
 */
import { createHash } from 'node:crypto';
import {
  AppError,
  badRequest,
  conflict,
  correlationId,
  notFound,
  ipForUser,
  isTerminalOrCompensating,
  orderInputFrom,
  terminalStatuses,
  toMinor,
} from '@fake-stripe/kernel';
import type {
  OperatorAction,
  OrderRequest,
  OrderState,
  OrderStatus,
  UserContextInput,
  UserContextRequest,
} from '@fake-stripe/kernel';
import {
  approveSignal,
  cancelSignal,
  CustomerIdKey,
  operatorUpdate,
  OrderIdKey,
  OrderStatusKey,
  orderWorkflowId,
  paymentWorkflowId,
  rejectSignal,
  userContextWorkflowId,
  statusQuery,
  stepWeight,
  TotalAmountKey,
} from '@fake-stripe/worker/definitions';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { z } from 'zod';
import type { listOrdersQuery, listOrdersResponse, orderStatusResponse, paymentWorkflowBody } from './schemas.ts';
import { decodePayload, grpcCode, heartbeatProgress, isoTime } from './temporal.ts';
import type { WorkflowResult, Workflows } from './temporal.ts';

export const ORDER_WORKFLOW = 'orderFulfillmentWorkflow';
export const PAYMENT_WORKFLOW = 'paymentWorkflow';
export const USER_CONTEXT_WORKFLOW = 'userContextWorkflow';
const LABEL_ACTIVITY = 'createShippingLabel';

export const orderStatusUrl = (workflowId: string): string => `/api/v1/order/${encodeURIComponent(workflowId)}/status`;
export const workflowStatusUrl = (workflowId: string): string =>
  `/api/v1/workflows/${encodeURIComponent(workflowId)}/status`;

export type OrderView = z.input<typeof orderStatusResponse>;
export type OrderSummary = z.input<typeof listOrdersResponse>['orders'][number];
type Started = { workflowId: string; runId: string; statusUrl: string };

/** A Temporal visibility string literal: quotes and backslashes escaped. */
export const visibilityLiteral = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/** Orders whose state the auditor judges, and those parked for an operator. */
const auditedStatuses: readonly OrderStatus[] = [...terminalStatuses, 'compensation_stuck'];

/**
 * Page tokens: Temporal's token, base64url, behind a digest that binds it to the listing's query. The
 * dev server answers a foreign token with UNKNOWN (which the client retries until its deadline), so a
 * token is checked here first: one we did not hand out for these filters is a 400.
 */
const tokenDigest = (query: string, raw: Buffer): string =>
  createHash('sha256').update(query).update('\0').update(raw).digest('base64url').slice(0, 16);
export const encodePageToken = (query: string, raw: Buffer): string =>
  `${tokenDigest(query, raw)}.${raw.toString('base64url')}`;
const badPageToken = (): AppError =>
  badRequest(
    'parameter_invalid',
    'Invalid query field pageToken: not a nextPageToken of this listing (with these filters).',
    'pageToken',
  );
export function decodePageToken(query: string, token: string): Buffer {
  const [digest, encoded, ...rest] = token.split('.');
  if (!digest || !encoded || rest.length > 0) throw badPageToken();
  const raw = Buffer.from(encoded, 'base64url');
  if (tokenDigest(query, raw) !== digest) throw badPageToken();
  return raw;
}

/** A duplicate workflow id as a 409 naming `orderId`, with Location: the existing workflow's status. */
const alreadyStarted =
  (message: string, code: string, location: string, param = 'orderId') =>
  (err: unknown): never => {
    if (err instanceof WorkflowExecutionAlreadyStartedError)
      throw new AppError({
        type: 'invalid_request_error',
        code,
        status: 409,
        message,
        param,
        headers: { Location: location },
      });
    throw err;
  };

export function createOrders(workflows: Workflows, taskQueue: string) {
  const { client, call } = workflows;
  const namespace = client.options.namespace;

  /** Describes the workflow and makes sure it is an order (404 otherwise). */
  async function describeOrder(workflowId: string): Promise<WorkflowExecutionDescription> {
    const description = await workflows.describe(workflowId);
    if (description.type !== ORDER_WORKFLOW)
      throw notFound(`Workflow ${workflowId} is a ${description.type}, not an order.`, 'workflowId');
    return description;
  }

  /** The order's state: its result once completed (no worker needed), else the `status` query. */
  async function stateOf(d: WorkflowExecutionDescription): Promise<OrderState> {
    const handle = client.workflow.getHandle(d.workflowId, d.runId);
    if (d.status.name === 'COMPLETED') return call(d.workflowId, () => handle.result() as Promise<OrderState>);
    return call(d.workflowId, () => handle.query(statusQuery));
  }

  /** The state with the running label step's heartbeat folded into the progress. */
  function view(d: WorkflowExecutionDescription, state: OrderState): OrderView {
    const stepProgress = heartbeatProgress(d, state.currentStep === 'ship' ? LABEL_ACTIVITY : undefined) ?? 0;
    const progress =
      state.currentStep === 'ship'
        ? Math.min(100, state.progress + Math.round((stepWeight.ship * stepProgress) / 100))
        : state.progress;
    return { ...state, progress, currentStepProgress: state.currentStep ? stepProgress : 0 };
  }

  async function status(workflowId: string): Promise<OrderView> {
    const d = await describeOrder(workflowId);
    return view(d, await stateOf(d));
  }

  async function signalWhenAwaitingApproval(
    workflowId: string,
    send: (d: WorkflowExecutionDescription) => Promise<void>,
  ): Promise<void> {
    const d = await describeOrder(workflowId);
    const state = await stateOf(d);
    if (state.status !== 'awaiting_approval')
      throw conflict(
        'order_not_awaiting_approval',
        `Order ${state.orderId} is ${state.status}, not awaiting approval.`,
        'workflowId',
      );
    await send(d);
  }

  return {
    describeOrder,
    stateOf,
    status,
    view,

    async start(body: OrderRequest): Promise<Started> {
      const workflowId = orderWorkflowId(body.orderId);
      const handle = await call(workflowId, () =>
        client.workflow
          .start(ORDER_WORKFLOW, {
            taskQueue,
            workflowId,
            args: [orderInputFrom(body, correlationId())],
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            typedSearchAttributes: [
              { key: OrderIdKey, value: body.orderId },
              { key: CustomerIdKey, value: body.customerId },
              { key: OrderStatusKey, value: 'pending' },
              { key: TotalAmountKey, value: body.totalAmount },
            ],
          })
          .catch(
            alreadyStarted(
              `Order ${body.orderId} already exists: workflow ${workflowId}.`,
              'order_exists',
              orderStatusUrl(workflowId),
            ),
          ),
      );
      return { workflowId, runId: handle.firstExecutionRunId, statusUrl: orderStatusUrl(workflowId) };
    },

    async startPayment(body: z.output<typeof paymentWorkflowBody>): Promise<Started> {
      const workflowId = paymentWorkflowId(body.orderId);
      const input = {
        orderId: body.orderId,
        customerId: body.customerId,
        amount: toMinor(body.amount),
        correlationId: correlationId(),
      };
      const handle = await call(workflowId, () =>
        client.workflow
          .start(PAYMENT_WORKFLOW, {
            taskQueue,
            workflowId,
            args: [input],
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            typedSearchAttributes: [
              { key: OrderIdKey, value: body.orderId },
              { key: CustomerIdKey, value: body.customerId },
            ],
          })
          .catch(
            alreadyStarted(
              `A payment workflow for order ${body.orderId} already exists: ${workflowId}.`,
              'workflow_exists',
              workflowStatusUrl(workflowId),
            ),
          ),
      );
      return { workflowId, runId: handle.firstExecutionRunId, statusUrl: workflowStatusUrl(workflowId) };
    },

    /** userContextWorkflow for a user; a new run once the previous one closed, 409 while one runs. */
    async startUserContext(body: UserContextRequest): Promise<Started> {
      const workflowId = userContextWorkflowId(body.userId);
      const input: UserContextInput = {
        userId: body.userId,
        strategy: body.strategy,
        ip: body.ip ?? ipForUser(body.userId, (v) => createHash('sha256').update(v).digest()),
        correlationId: correlationId(),
      };
      const handle = await call(workflowId, () =>
        client.workflow
          .start(USER_CONTEXT_WORKFLOW, {
            taskQueue,
            workflowId,
            args: [input],
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
          })
          .catch(
            alreadyStarted(
              `A user-context workflow for ${body.userId} is still running: ${workflowId}.`,
              'workflow_running',
              workflowStatusUrl(workflowId),
              'userId',
            ),
          ),
      );
      return { workflowId, runId: handle.firstExecutionRunId, statusUrl: workflowStatusUrl(workflowId) };
    },

    async progress(workflowId: string): Promise<number> {
      return (await status(workflowId)).progress;
    },

    async result(workflowId: string, waitSeconds: number, hangUp?: AbortSignal): Promise<WorkflowResult> {
      const d = await describeOrder(workflowId); // 404 unless it is an order
      return workflows.result(workflowId, waitSeconds, hangUp, d);
    },

    approve: (workflowId: string, by: string) =>
      signalWhenAwaitingApproval(workflowId, (d) =>
        call(workflowId, () => client.workflow.getHandle(workflowId, d.runId).signal(approveSignal, { by })),
      ),

    reject: (workflowId: string, by: string, reason?: string) =>
      signalWhenAwaitingApproval(workflowId, (d) =>
        call(workflowId, () =>
          client.workflow.getHandle(workflowId, d.runId).signal(rejectSignal, { by, ...(reason && { reason }) }),
        ),
      ),

    /** `authorize` gets the order's customer id and returns who acts (or throws 401). */
    async cancel(
      workflowId: string,
      authorize: (customerId: string | undefined) => string,
      reason?: string,
    ): Promise<void> {
      const d = await describeOrder(workflowId);
      const by = authorize(d.typedSearchAttributes.get(CustomerIdKey));
      const state = await stateOf(d);
      if (isTerminalOrCompensating(state.status) || state.completedSteps.includes('ship'))
        throw conflict(
          'order_not_cancellable',
          `Order ${state.orderId} is ${state.status}${state.completedSteps.includes('ship') ? ' and its label exists' : ''}: too late to cancel.`,
          'workflowId',
        );
      await call(workflowId, () =>
        client.workflow.getHandle(workflowId, d.runId).signal(cancelSignal, { by, ...(reason && { reason }) }),
      );
    },

    /** The operator Update; its validator refuses unless the order is compensation_stuck (409). */
    async operator(workflowId: string, action: OperatorAction): Promise<OrderState> {
      const d = await describeOrder(workflowId);
      if (d.status.name !== 'RUNNING') {
        const state = await stateOf(d);
        throw conflict('update_rejected', `order is ${state.status}, not compensation_stuck`);
      }
      return call(workflowId, () =>
        client.workflow.getHandle(workflowId, d.runId).executeUpdate(operatorUpdate, { args: [action] }),
      );
    },

    /** One page of orders through the search attributes. */
    async list(q: z.output<typeof listOrdersQuery>): Promise<{ orders: OrderSummary[]; nextPageToken: string | null }> {
      const clauses = [`WorkflowType = '${ORDER_WORKFLOW}'`];
      if (q.status) clauses.push(`OrderStatus = '${q.status}'`);
      if (q.customerId) clauses.push(`CustomerId = ${visibilityLiteral(q.customerId)}`);
      return listPage(clauses.join(' AND '), q.pageSize, q.pageToken);
    },

    /** Every order the auditor judges (terminal or stuck), through every page. */
    async listAudited(): Promise<OrderSummary[]> {
      const query = `WorkflowType = '${ORDER_WORKFLOW}' AND OrderStatus IN (${auditedStatuses.map((s) => `'${s}'`).join(', ')})`;
      const all: OrderSummary[] = [];
      let token: string | undefined;
      do {
        const page = await listPage(query, 1000, token);
        all.push(...page.orders);
        token = page.nextPageToken ?? undefined;
      } while (token);
      return all;
    },
  };

  async function listPage(
    query: string,
    pageSize: number,
    pageToken: string | undefined,
  ): Promise<{ orders: OrderSummary[]; nextPageToken: string | null }> {
    const res = await call(undefined, () =>
      client.workflowService
        .listWorkflowExecutions({
          namespace,
          query,
          pageSize,
          ...(pageToken && { nextPageToken: decodePageToken(query, pageToken) }),
        })
        .catch((err: unknown) => {
          if (pageToken && grpcCode(err) === 3) throw badPageToken();
          throw err;
        }),
    );
    const orders = (res.executions ?? []).map((info): OrderSummary => {
      const attributes = info.searchAttributes?.indexedFields ?? {};
      const attribute = (name: string): unknown => {
        const value = decodePayload<unknown>(attributes[name]);
        return Array.isArray(value) ? value[0] : value;
      };
      const text = (name: string): string | null => {
        const v = attribute(name);
        return typeof v === 'string' ? v : null;
      };
      const amount = attribute('TotalAmount');
      return {
        workflowId: info.execution?.workflowId ?? '',
        orderId: text('OrderId'),
        customerId: text('CustomerId'),
        status: text('OrderStatus'),
        totalAmount: typeof amount === 'number' ? amount : null,
        startTime: isoTime(info.startTime),
        closeTime: isoTime(info.closeTime),
      };
    });
    const next =
      res.nextPageToken && res.nextPageToken.length > 0 ? encodePageToken(query, Buffer.from(res.nextPageToken)) : null;
    return { orders, nextPageToken: next };
  }
}

export type Orders = ReturnType<typeof createOrders>;
