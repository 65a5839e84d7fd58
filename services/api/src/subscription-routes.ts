/**
 * The subscription routes: start, read, list (search attributes), the cancel, pause and resume
 * signals and the changePlan Update. Who may act: as for orders, the manager or the subscription's
 * customer; under AUTH=strict reads and starts need one of their tokens too.
 */
import { defineRoute } from '@fake-stripe/kernel';
import type { Route } from '@fake-stripe/kernel';
import { subscriptionWorkflowId } from '@fake-stripe/kernel/workflow-definitions';
import type { Context } from 'koa';
import { requireManagerOrCustomer, requireSomeBearer, requireStrictAccess } from './auth.ts';
import { located, readAccess, refuseFaultsUnlessAllowed } from './route-common.ts';
import type { RouteDeps } from './route-common.ts';
import { signalBody, startedResponse } from './schemas.ts';
import {
  changePlanSchema,
  listSubscriptionsQuery,
  listSubscriptionsResponse,
  subscriptionParams,
  subscriptionRequestSchema,
  subscriptionResponse,
  subscriptionSignalResponse,
  subscriptionStateSchema,
} from './subscription-schemas.ts';
import type { SubscriptionSignalName } from './subscriptions.ts';

const unknownSubscription = { 404: 'No such subscription' };
const actor = {
  401: "Missing or wrong token (manager's or this subscription's customer's)",
  ...unknownSubscription,
};

export function subscriptionRoutes({ env, workflows, subscriptions }: RouteDeps): Route[] {
  const { readers, reader } = readAccess({ env, workflows });
  /** The manager or the subscription's customer; returns who acts. */
  const authorizer = (ctx: Context) => {
    requireSomeBearer(ctx);
    return (customerId: string | undefined) => requireManagerOrCustomer(env, ctx, customerId);
  };
  const signalRoute = (signal: SubscriptionSignalName, summary: string): Route =>
    defineRoute({
      method: 'post',
      path: `/api/v1/subscriptions/:id/${signal}`,
      operationId: `${signal}Subscription`,
      summary,
      tags: ['subscriptions'],
      status: 202,
      params: subscriptionParams,
      body: signalBody,
      response: subscriptionSignalResponse,
      security: ['manager', 'customer'],
      errors: { ...actor, 409: 'The subscription is cancelled (its workflow has ended)' },
      handler: async ({ params, body, ctx }) => {
        const workflowId = await subscriptions.signal(params.id, signal, authorizer(ctx), body?.reason);
        return { workflowId, signal };
      },
    });
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/subscriptions',
      operationId: 'createSubscription',
      summary:
        'Start a subscription (subscriptionWorkflow, id subscription-{subscriptionId}); it bills the first period now',
      tags: ['subscriptions'],
      status: 201,
      body: subscriptionRequestSchema,
      response: startedResponse,
      security: readers,
      errors: { 409: 'A subscription with this id exists (Location: its URL)' },
      handler: async ({ body, ctx }) => {
        requireStrictAccess(env, ctx, body.customerId);
        refuseFaultsUnlessAllowed(env, body.faults);
        return located(ctx, await subscriptions.start(body));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/subscriptions',
      operationId: 'listSubscriptions',
      summary: 'Subscriptions by status and customer, through the search attributes (eventually consistent), paginated',
      tags: ['subscriptions'],
      query: listSubscriptionsQuery,
      response: listSubscriptionsResponse,
      security: readers,
      description: "Under AUTH=strict a customer's token lists only that customer's subscriptions (with `customerId`).",
      handler: ({ query, ctx }) => {
        requireStrictAccess(env, ctx, query.customerId);
        return subscriptions.list(query);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/subscriptions/:id',
      operationId: 'getSubscription',
      summary: "The subscription's state (status query) and its current run's invoices (invoices query)",
      tags: ['subscriptions'],
      params: subscriptionParams,
      response: subscriptionResponse,
      security: readers,
      errors: unknownSubscription,
      handler: async ({ params, ctx }) => {
        const workflowId = subscriptionWorkflowId(params.id);
        await reader(ctx, workflowId);
        const { state, invoices, runId } = await subscriptions.view(workflowId);
        return { workflowId, runId, subscription: state, invoices };
      },
    }),
    signalRoute('cancel', 'Cancel (signal): no more charges; the workflow ends when the paid period does'),
    signalRoute('pause', 'Pause (signal): the next periods are not billed until resumed'),
    signalRoute('resume', 'Resume a paused subscription (signal); a period already due is billed now'),
    defineRoute({
      method: 'patch',
      path: '/api/v1/subscriptions/:id/plan',
      operationId: 'changeSubscriptionPlan',
      summary: 'Change the plan from the next period on (Workflow Update changePlan, validated synchronously)',
      tags: ['subscriptions'],
      params: subscriptionParams,
      body: changePlanSchema,
      response: subscriptionStateSchema,
      security: ['manager', 'customer'],
      errors: {
        ...actor,
        409: "Refused by the Update's validator, with its reason: unknown plan, the same plan, a cancelled subscription",
      },
      handler: ({ params, body, ctx }) => subscriptions.changePlan(params.id, body.planId, authorizer(ctx)),
    }),
  ];
}
