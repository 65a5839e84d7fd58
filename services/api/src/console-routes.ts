/**
 * The web console's back end: its static files under /console/, and what its pages need that the
 * public API has no route for — the settings it links with, the domain services' chaos (read, and
 * written with the caller's admin token) and an order's activity attempts from its history.
 *
 * These routes are the console's, not the API's contract: they stay out of /openapi.json (as Swagger
 * UI's files do), so clients and the fuzzer see only the public API, and an admin write is never fuzzed.
 * The chaos goes through here rather than from the browser to each service: the console stays one
 * origin (no CORS on four services), and the browser needs only the API's address, in a cluster too.
 * A change is written through the service's admin API (CONSOLE_CHAOS_WRITES=admin-api, the local
 * default) or to its chaos ConfigMap (configmap: console-chaos.ts). Scenario runs: console-scenarios.ts.
 */
import Router from '@koa/router';
import {
  AppError,
  badRequest,
  compensationSteps,
  faultableActivities,
  orderSteps,
  terminalStatuses,
  visibilityStatuses,
  workflowIdSchema,
} from '@fake-stripe/kernel';
import type { Context } from 'koa';
import { z } from 'zod';
import { requireWorkflowAccess } from './auth.ts';
import { consoleAsset, consoleIndex } from './console-assets.ts';
import { configMapChaosWriter } from './console-chaos.ts';
import type { Outcomes } from './console-chaos.ts';
import { scenarioRoutes } from './console-scenarios.ts';
import type { ApiEnv } from './config.ts';
import type { Workflows } from './workflow-admin.ts';

/** The domain services whose chaos the console shows and tunes. */
export const chaosDomains = ['payment', 'inventory', 'shipping', 'notification'] as const;
type ChaosDomain = (typeof chaosDomains)[number];
const domainParam = z.enum(chaosDomains);

export type ConsoleEnv = Pick<
  ApiEnv,
  | 'AUTH'
  | 'MANAGER_TOKEN'
  | 'CUSTOMER_TOKEN_SECRET'
  | 'HTTP_TIMEOUT_MS'
  | 'PAYMENT_URL'
  | 'INVENTORY_URL'
  | 'SHIPPING_URL'
  | 'NOTIFICATION_URL'
  | 'ADMIN_TOKEN'
  | 'CONSOLE_CHAOS_WRITES'
  | 'CONSOLE_CHAOS_CONFIGMAP'
  | 'CONSOLE_CHAOS_NAMESPACE'
  | 'CONSOLE_TEMPORAL_UI_URL'
  | 'CONSOLE_JAEGER_URL'
> & { namespace: string };

/** One request to a domain service; its answer as it is (status and JSON body), or a 502 naming it. */
async function domainCall(
  env: ConsoleEnv,
  domain: ChaosDomain,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: unknown }> {
  const base = { payment: env.PAYMENT_URL, inventory: env.INVENTORY_URL, shipping: env.SHIPPING_URL };
  const url = `${{ ...base, notification: env.NOTIFICATION_URL }[domain]}/${domain}${path}`;
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(env.HTTP_TIMEOUT_MS) });
    return { status: res.status, body: await res.json() };
  } catch (err) {
    throw new AppError({
      type: 'api_error',
      code: 'domain_unavailable',
      status: 502,
      message: `The ${domain} service's /${domain}${path} could not be reached: ${(err as Error).message}`,
      expose: true,
      cause: err,
    });
  }
}

/** Each domain's live chaos mix and the outcomes it served; an unreachable service is an `error`. */
type Overview = Record<ChaosDomain, { distribution: unknown; stats: unknown } | { error: string }>;
async function chaosOverview(env: ConsoleEnv): Promise<Overview> {
  const entries = await Promise.all(
    chaosDomains.map(async (domain) => {
      try {
        const [distribution, stats] = await Promise.all([
          domainCall(env, domain, '/chaos/distribution'),
          domainCall(env, domain, '/stats'),
        ]);
        return [domain, { distribution: distribution.body, stats: stats.body }] as const;
      } catch (err) {
        return [domain, { error: (err as Error).message }] as const;
      }
    }),
  );
  return Object.fromEntries(entries) as Overview;
}

/** What each activity of the order did: its last attempt number and how it ended (Temporal keeps only the last). */
async function activityAttempts({ client, call }: Workflows, workflowId: string) {
  const history = await call(workflowId, () => client.workflow.getHandle(workflowId).fetchHistory());
  const runs = new Map<string, { activity: string; attempt: number; state: string; failure?: string }>();
  for (const e of history.events ?? []) {
    const id = String(e.eventId);
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) runs.set(id, { activity: scheduled.activityType?.name ?? '?', attempt: 1, state: 'scheduled' });
    const started = e.activityTaskStartedEventAttributes;
    const startedRun = started && runs.get(String(started.scheduledEventId));
    if (startedRun) Object.assign(startedRun, { attempt: started.attempt ?? 1, state: 'started' });
    const ended =
      e.activityTaskCompletedEventAttributes ??
      e.activityTaskFailedEventAttributes ??
      e.activityTaskTimedOutEventAttributes ??
      e.activityTaskCanceledEventAttributes;
    const endedRun = ended && runs.get(String(ended.scheduledEventId));
    if (!endedRun) continue;
    if (e.activityTaskCompletedEventAttributes) endedRun.state = 'completed';
    else if (e.activityTaskCanceledEventAttributes) endedRun.state = 'cancelled';
    else {
      const failure = e.activityTaskFailedEventAttributes?.failure ?? e.activityTaskTimedOutEventAttributes?.failure;
      endedRun.state = e.activityTaskFailedEventAttributes ? 'failed' : 'timed_out';
      if (failure?.message) endedRun.failure = failure.message;
    }
  }
  return { workflowId, activities: [...runs.values()] };
}

function parse<S extends z.ZodType>(schema: S, value: unknown, param: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest('parameter_invalid', `Invalid path parameter ${param}.`, param);
  return parsed.data;
}

/** The console's router, mounted after the API's routes (inside its error middleware). */
export function consoleRouter(env: ConsoleEnv, workflows: Workflows, selfUrl: () => string): Router {
  // strict: /console and /console/ are two paths (the first redirects to the second).
  const router = new Router({ strict: true });
  const toConfigMap = env.CONSOLE_CHAOS_WRITES === 'configmap' ? configMapChaosWriter(env) : undefined;
  router.get('/console', (ctx) => ctx.redirect('/console/'));
  router.get('/console/', (ctx) => {
    ctx.type = 'html';
    ctx.body = consoleIndex();
  });
  router.get('/console/api/config', (ctx) => {
    ctx.body = {
      temporalUiUrl: env.CONSOLE_TEMPORAL_UI_URL,
      jaegerUrl: env.CONSOLE_JAEGER_URL,
      namespace: env.namespace,
      visibilityStatuses,
      terminalStatuses,
      orderSteps,
      compensationSteps,
      activities: faultableActivities,
      chaosDomains,
      chaosWrites: env.CONSOLE_CHAOS_WRITES,
    };
  });
  router.get('/console/api/chaos', async (ctx) => {
    ctx.body = await chaosOverview(env);
  });
  router.put('/console/api/chaos/:domain', async (ctx) => {
    const domain = parse(domainParam, ctx.params.domain, 'domain');
    if (toConfigMap) {
      const outcomes = async () => {
        const live = await domainCall(env, domain, '/chaos/distribution');
        return (live.body as { outcomes?: Outcomes }).outcomes ?? {};
      };
      ctx.status = 202; // written; the service applies it when it sees the ConfigMap change
      ctx.body = await toConfigMap(ctx, domain, ctx.request.body ?? {}, outcomes);
      return;
    }
    const authorization = ctx.get('authorization');
    const res = await domainCall(env, domain, '/chaos', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
      body: JSON.stringify(ctx.request.body ?? {}),
    });
    // The service's own answer, refusals included: its 400 names what is wrong with the config.
    ctx.status = res.status;
    ctx.body = res.body;
  });
  scenarioRoutes(router, env, workflows, selfUrl);
  router.get('/console/api/orders/:workflowId/activities', async (ctx) => {
    const workflowId = parse(workflowIdSchema, ctx.params.workflowId, 'workflowId');
    await requireWorkflowAccess(env, ctx, workflows, workflowId);
    ctx.body = await activityAttempts(workflows, workflowId);
  });
  const serve = (path: string, ctx: Context) => {
    const asset = consoleAsset(path);
    if (!asset) return; // unanswered: the API's 404
    ctx.type = asset.type;
    ctx.body = asset.body;
  };
  router.get('/console/vendor/:file', (ctx) => serve(`vendor/${ctx.params.file}`, ctx));
  router.get('/console/:file', (ctx) => serve(ctx.params.file ?? '', ctx));
  return router;
}
