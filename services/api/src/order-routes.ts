/** The order routes: the commands (start, approve, reject, cancel, the operator Update) and the reads. */
import { defineRoute, orderRequestSchema } from '@fake-stripe/kernel';
import type { Route } from '@fake-stripe/kernel';
import { requireManager, requireManagerOrCustomer, requireSomeBearer, requireStrictAccess } from './auth.ts';
import {
  hangUpSignal,
  located,
  manager,
  readAccess,
  refuseFaultsUnlessAllowed,
  reply,
  stillRunning,
  unknownWorkflow,
} from './route-common.ts';
import type { RouteDeps } from './route-common.ts';
import {
  listOrdersQuery,
  listOrdersResponse,
  operatorBody,
  orderStateSchema,
  orderStatusResponse,
  progressResponse,
  resultQuery,
  resultResponse,
  signalBody,
  signalResponse,
  startedResponse,
  workflowParams,
} from './schemas.ts';

/** What changes an order: its start, a manager's decision, a cancel, an operator's Update. */
export function orderCommandRoutes({ env, orders, workflows }: RouteDeps): Route[] {
  const { readers } = readAccess({ env, workflows });
  const signalled = (workflowId: string, signal: 'approve' | 'reject' | 'cancel') => ({ workflowId, signal });
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/order',
      operationId: 'createOrder',
      summary: 'Start an order (orderFulfillmentWorkflow, id order-fulfillment-{orderId})',
      tags: ['orders'],
      status: 201,
      body: orderRequestSchema,
      response: startedResponse,
      security: readers,
      errors: { 409: 'An order with this orderId exists (Location: its status URL)' },
      handler: async ({ body, ctx }) => {
        requireStrictAccess(env, ctx, body.customerId);
        refuseFaultsUnlessAllowed(env, body.faults);
        return located(ctx, await orders.start(body));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/order/:workflowId/approve',
      operationId: 'approveOrder',
      summary: "A manager's approval of an order awaiting approval (signal)",
      tags: ['orders'],
      status: 202,
      params: workflowParams,
      body: signalBody,
      response: signalResponse,
      security: ['manager'],
      errors: { ...manager, ...unknownWorkflow, 409: 'The order is not awaiting approval' },
      handler: async ({ params, ctx }) => {
        const by = requireManager(env, ctx);
        await orders.approve(params.workflowId, by);
        return signalled(params.workflowId, 'approve');
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/order/:workflowId/reject',
      operationId: 'rejectOrder',
      summary: "A manager's rejection of an order awaiting approval (signal); the order compensates",
      tags: ['orders'],
      status: 202,
      params: workflowParams,
      body: signalBody,
      response: signalResponse,
      security: ['manager'],
      errors: { ...manager, ...unknownWorkflow, 409: 'The order is not awaiting approval' },
      handler: async ({ params, body, ctx }) => {
        const by = requireManager(env, ctx);
        await orders.reject(params.workflowId, by, body?.reason);
        return signalled(params.workflowId, 'reject');
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/order/:workflowId/cancel',
      operationId: 'cancelOrder',
      summary: "Cancel an order (signal) with a manager's or the order's customer's token; the order compensates",
      tags: ['orders'],
      status: 202,
      params: workflowParams,
      body: signalBody,
      response: signalResponse,
      security: ['manager', 'customer'],
      errors: {
        401: "Missing or wrong token (manager's or this order's customer's)",
        ...unknownWorkflow,
        409: 'Too late to cancel',
      },
      handler: async ({ params, body, ctx }) => {
        requireSomeBearer(ctx);
        await orders.cancel(
          params.workflowId,
          (customerId) => requireManagerOrCustomer(env, ctx, customerId),
          body?.reason,
        );
        return signalled(params.workflowId, 'cancel');
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/order/:workflowId/operator',
      operationId: 'operateOrder',
      summary: "An operator's decision for an order in compensation_stuck (Workflow Update: retry or resolve)",
      tags: ['orders'],
      params: workflowParams,
      body: operatorBody,
      response: orderStateSchema,
      security: ['manager'],
      errors: {
        ...manager,
        ...unknownWorkflow,
        409: "Refused by the Update's validator (the order is not compensation_stuck)",
      },
      handler: async ({ params, body, ctx }) => {
        requireManager(env, ctx);
        return orders.operator(params.workflowId, body);
      },
    }),
  ];
}

/** What reads an order: its state, progress, final result, and the list by status and customer. */
export function orderReadRoutes({ env, orders, workflows }: RouteDeps): Route[] {
  const { readers, reader } = readAccess({ env, workflows });
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/order/:workflowId/status',
      operationId: 'getOrderStatus',
      summary: "The order's state: status, completed steps, compensations, current step progress",
      tags: ['orders'],
      params: workflowParams,
      response: orderStatusResponse,
      security: readers,
      errors: unknownWorkflow,
      handler: async ({ params, ctx }) => {
        await reader(ctx, params.workflowId);
        return orders.status(params.workflowId);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/order/:workflowId/progress',
      operationId: 'getOrderProgress',
      summary: "The order's progress, 0–100 (the label step interpolated from its heartbeat)",
      tags: ['orders'],
      params: workflowParams,
      response: progressResponse,
      security: readers,
      errors: unknownWorkflow,
      handler: async ({ params, ctx }) => {
        await reader(ctx, params.workflowId);
        return { progress: await orders.progress(params.workflowId) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/order/:workflowId/result',
      operationId: 'getOrderResult',
      summary: "The order's final state, waiting at most `wait` seconds (202 while still running)",
      tags: ['orders'],
      params: workflowParams,
      query: resultQuery,
      response: resultResponse,
      otherSuccesses: stillRunning,
      security: readers,
      errors: unknownWorkflow,
      handler: async ({ params, query, ctx }) => {
        await reader(ctx, params.workflowId);
        return reply(ctx, await orders.result(params.workflowId, query.wait, hangUpSignal(ctx)));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/orders',
      operationId: 'listOrders',
      summary: 'Orders by status and customer, through the search attributes (eventually consistent), paginated',
      tags: ['orders'],
      query: listOrdersQuery,
      response: listOrdersResponse,
      security: readers,
      description: "Under AUTH=strict a customer's token lists only that customer's orders (with `customerId`).",
      handler: ({ query, ctx }) => {
        requireStrictAccess(env, ctx, query.customerId);
        return orders.list(query);
      },
    }),
  ];
}
