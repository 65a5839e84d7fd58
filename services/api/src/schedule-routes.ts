/**
 * The schedule routes: a manager creates, pauses, unpauses, triggers, backfills and deletes the `audit`
 * and `restock` Temporal Schedules; reads (list, describe, the audit history) are open locally and a
 * manager's under AUTH=strict, like the audit itself.
 */
import { badRequest, defineRoute } from '@fake-stripe/kernel';
import type { Route } from '@fake-stripe/kernel';
import type { Context } from 'koa';
import { requireManager, requireStrictAccess, strictManager } from './auth.ts';
import { manager } from './route-common.ts';
import type { RouteDeps } from './route-common.ts';
import {
  auditHistoryQuery,
  auditHistoryResponse,
  backfillBody,
  createScheduleBody,
  noteBody,
  scheduleAccepted,
  scheduleDescription,
  scheduleList,
  scheduleParams,
} from './schedule-schemas.ts';

const unknownSchedule = { 404: 'No such schedule' };
const tags = ['schedules'];

export function scheduleRoutes({ env, schedules }: RouteDeps): Route[] {
  const reads = { security: strictManager(env) };
  /** What a manager's command on one schedule shares: its answer is `{name, action, accepted}`. */
  const command = {
    tags,
    params: scheduleParams,
    response: scheduleAccepted,
    security: ['manager' as const],
    errors: { ...manager, ...unknownSchedule },
  };
  const asManager = async (ctx: Context, action: string, name: string, run: () => Promise<void>) => {
    requireManager(env, ctx);
    await run();
    return { name, action, accepted: true as const };
  };
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/schedules/:name',
      operationId: 'createSchedule',
      summary: 'Create the audit or restock schedule (manager): every N seconds, overlap SKIP',
      tags,
      status: 201,
      params: scheduleParams,
      body: createScheduleBody,
      response: scheduleDescription,
      security: ['manager'],
      errors: { ...manager, 400: 'A restock policy given to the audit schedule', 409: 'The schedule exists' },
      handler: ({ params, body, ctx }) => {
        requireManager(env, ctx);
        if (params.name !== 'restock' && body.restock)
          throw badRequest(
            'parameter_invalid',
            'Invalid body field restock: only the restock schedule takes a restock policy.',
            'restock',
          );
        return schedules.create(params.name, body);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/schedules',
      operationId: 'listSchedules',
      summary: 'Every schedule: what it starts, how often, paused or not, its next and latest runs',
      tags,
      response: scheduleList,
      ...reads,
      handler: async ({ ctx }) => {
        requireStrictAccess(env, ctx, undefined);
        return { schedules: await schedules.list() };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/schedules/:name',
      operationId: 'describeSchedule',
      summary: 'One schedule: spec, overlap policy, state, runs taken and skipped, running and recent runs',
      tags,
      params: scheduleParams,
      response: scheduleDescription,
      ...reads,
      errors: unknownSchedule,
      handler: ({ params, ctx }) => {
        requireStrictAccess(env, ctx, undefined);
        return schedules.describe(params.name);
      },
    }),
    ...(['pause', 'unpause'] as const).map((action) =>
      defineRoute({
        method: 'post',
        path: `/api/v1/schedules/:name/${action}`,
        operationId: `${action}Schedule`,
        summary:
          action === 'pause'
            ? 'Pause a schedule (manager): no run starts until unpaused'
            : 'Unpause a schedule (manager)',
        tags,
        params: scheduleParams,
        body: noteBody,
        response: scheduleDescription,
        security: ['manager'],
        errors: { ...manager, ...unknownSchedule },
        handler: async ({ params, body, ctx }) => {
          requireManager(env, ctx);
          await schedules[action](params.name, body.note);
          return schedules.describe(params.name);
        },
      }),
    ),
    defineRoute({
      ...command,
      method: 'post',
      path: '/api/v1/schedules/:name/trigger',
      operationId: 'triggerSchedule',
      summary: 'Run it now (manager), paused or not; skipped while a run is in flight (overlap SKIP)',
      status: 202,
      handler: ({ params, ctx }) => asManager(ctx, 'trigger', params.name, () => schedules.trigger(params.name)),
    }),
    defineRoute({
      ...command,
      method: 'post',
      path: '/api/v1/schedules/:name/backfill',
      operationId: 'backfillSchedule',
      summary: 'Run every time the schedule had in a past window (manager), one after another (BUFFER_ALL)',
      status: 202,
      body: backfillBody,
      handler: ({ params, body, ctx }) =>
        asManager(ctx, 'backfill', params.name, () => schedules.backfill(params.name, body)),
    }),
    defineRoute({
      ...command,
      method: 'delete',
      path: '/api/v1/schedules/:name',
      operationId: 'deleteSchedule',
      summary: 'Delete a schedule (manager); runs it started go on, and the audit history keeps their reports',
      handler: ({ params, ctx }) => asManager(ctx, 'delete', params.name, () => schedules.delete(params.name)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/audit/history',
      operationId: 'getAuditHistory',
      summary: "The latest audit runs' reports, newest first (the audit workflow's results)",
      tags: ['audit'],
      query: auditHistoryQuery,
      response: auditHistoryResponse,
      ...reads,
      handler: async ({ query, ctx }) => {
        requireStrictAccess(env, ctx, undefined);
        return { runs: await schedules.auditHistory(query.limit) };
      },
    }),
  ];
}
