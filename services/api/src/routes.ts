/**
 * The API's routes, by resource: orders (commands, reads), workflows (starts, any workflow by id),
 * subscriptions and the audit. The order of the list is the order of the OpenAPI document.
 */
import { defineRoute } from '@fake-stripe/kernel';
import type { Route } from '@fake-stripe/kernel';
import { requireStrictAccess, strictManager } from './auth.ts';
import { orderCommandRoutes, orderReadRoutes } from './order-routes.ts';
import type { RouteDeps } from './route-common.ts';
import { auditResponse } from './schemas.ts';
import { subscriptionRoutes } from './subscription-routes.ts';
import { workflowAdminRoutes, workflowStartRoutes } from './workflow-routes.ts';

export type { RouteDeps } from './route-common.ts';

export function apiRoutes(deps: RouteDeps): Route[] {
  return [
    ...orderCommandRoutes(deps),
    ...orderReadRoutes(deps),
    ...workflowStartRoutes(deps),
    ...workflowAdminRoutes(deps),
    ...subscriptionRoutes(deps),
    auditRoute(deps),
  ];
}

/** The invariant report (money and stock balance), for a manager under AUTH=strict. */
function auditRoute({ env, audit }: RouteDeps): Route {
  return defineRoute({
    method: 'get',
    path: '/api/v1/audit',
    operationId: 'getAudit',
    summary: 'The invariant report: money and stock balance for every terminal order and billed subscription period',
    tags: ['audit'],
    response: auditResponse,
    security: strictManager(env),
    errors: { 502: 'A domain ledger could not be read' },
    handler: ({ ctx }) => {
      requireStrictAccess(env, ctx, undefined);
      return audit();
    },
  });
}
