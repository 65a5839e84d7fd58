/**
 * The console's scenario launcher, run here: the scenario CLI's own definitions and runner
 * (@fake-stripe/kernel/scenarios) drive this API through its REST routes on loopback, acting as the
 * manager and the customers with this API's MANAGER_TOKEN and CUSTOMER_TOKEN_SECRET. The launch is
 * one request whose answer streams as it goes (NDJSON, a JSON object a line): the order's events or
 * the batch's progress, then the report (`{"report": ...}`) or why it stopped (`{"error": "..."}`).
 * Nothing is kept between requests, so any API replica can run one.
 */
import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import { badRequest, orderIdSchema } from '@fake-stripe/kernel';
import {
  batchRunId,
  createScenarioApi,
  failureReason,
  orderScenarioNames,
  orderScenarios,
  runOrderScenario,
  ScenarioError,
  startBatch,
  waitForBatch,
} from '@fake-stripe/kernel/scenarios';
import type { Audit, OrderScenarioName, Tracked } from '@fake-stripe/kernel/scenarios';
import pMap from 'p-map';
import { z } from 'zod';
import { requireManager } from './auth.ts';
import type { ConsoleEnv } from './console-routes.ts';
import type { Workflows } from './workflow-admin.ts';

/** What the launcher may start: every single-order scenario of the CLI, and its chaos batch. */
const batch = {
  short: 'Chaos batch of N orders → scorecard',
  title: "Chaos batch: N orders with no fault plan, so the services' live chaos decides every step",
};
const launchSchema = z
  .object({
    orderId: orderIdSchema.optional(),
    count: z.int().min(1).max(100).default(10),
    waitSeconds: z.int().min(10).max(900).default(300),
  })
  .strict();
const DESCRIBE_CONCURRENCY = 8;

/** One order of the report: how it ended and how long it took (Temporal's start → close). */
type Row = { orderId: string; workflowId: string; status: string; reason?: string; durationMs?: number };

async function rows(workflows: Workflows, orders: Tracked[]): Promise<Row[]> {
  return pMap(
    orders,
    async (o) => {
      const end = o.end;
      const status = end?.status ?? (o.stuck ? 'compensation_stuck' : 'not finished');
      let durationMs = o.observedMs;
      if (end) {
        const d = await workflows.describe(o.workflowId).catch(() => undefined);
        if (d?.closeTime) durationMs = d.closeTime.getTime() - d.startTime.getTime();
      }
      const reason = end && failureReason(end);
      return {
        orderId: o.orderId,
        workflowId: o.workflowId,
        status,
        ...(reason && { reason }),
        ...(durationMs !== undefined && { durationMs }),
      };
    },
    { concurrency: DESCRIBE_CONCURRENCY },
  );
}

export interface ScenarioReport {
  name: string;
  title: string;
  /** The scenario's checks held (a batch: every order ended, none stuck) and the audit found no violation. */
  passed: boolean;
  ms: number;
  orders: Row[];
  checks: Array<[label: string, ok: boolean, detail?: string]>;
  audit: Audit;
}

/** GET /console/api/scenarios and POST /console/api/scenarios/:name (manager token). */
export function scenarioRoutes(
  router: Router,
  env: ConsoleEnv,
  workflows: Workflows,
  /** This API's own address on loopback (it listens before any request comes). */
  selfUrl: () => string,
): void {
  router.get('/console/api/scenarios', (ctx) => {
    ctx.body = [
      ...orderScenarioNames.map((name) => ({
        name,
        short: orderScenarios[name].short,
        title: orderScenarios[name].title,
        ...(name === 'custom' && { needs: 'orderId' }),
      })),
      { name: 'chaos', ...batch, needs: 'count' },
    ];
  });

  router.post('/console/api/scenarios/:name', (ctx) => {
    requireManager(env, ctx);
    const name = ctx.params.name ?? '';
    if (name !== 'chaos' && !(orderScenarioNames as string[]).includes(name))
      throw badRequest(
        'parameter_invalid',
        `No scenario ${name} (have ${[...orderScenarioNames, 'chaos'].join(', ')}).`,
        'name',
      );
    const parsed = launchSchema.safeParse(ctx.request.body ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw badRequest(
        'parameter_invalid',
        `Invalid ${issue?.path.join('.')}: ${issue?.message}`,
        issue?.path.join('.'),
      );
    }
    const opts = parsed.data;
    if (name === 'custom' && !opts.orderId)
      throw badRequest('parameter_missing', 'custom needs an orderId.', 'orderId');
    const api = createScenarioApi({
      apiUrl: selfUrl(),
      managerToken: env.MANAGER_TOKEN ?? '',
      customerTokenSecret: env.CUSTOMER_TOKEN_SECRET ?? '',
    });

    const out = new PassThrough();
    const send = (line: object): void => {
      if (!out.writableEnded) out.write(`${JSON.stringify(line)}\n`);
    };
    ctx.type = 'application/x-ndjson';
    ctx.set('cache-control', 'no-store');
    ctx.body = out;

    const run = async (): Promise<ScenarioReport> => {
      if (name !== 'chaos') {
        const r = await runOrderScenario(api, name as OrderScenarioName, {
          ...(opts.orderId && { orderId: opts.orderId }),
          onEvent: (event) => send({ event }),
        });
        const tracked = [{ orderId: r.orderId, workflowId: r.workflowId, startedAt: 0, end: r.end, observedMs: r.ms }];
        return { ...r, orders: await rows(workflows, tracked) };
      }
      const t0 = Date.now();
      const orders = await startBatch(api, batchRunId(), opts.count);
      let settled = 0;
      send({ progress: { settled, count: opts.count } });
      await waitForBatch(api, orders, opts.waitSeconds, () =>
        send({ progress: { settled: ++settled, count: opts.count } }),
      );
      const ms = Date.now() - t0;
      const audit = await api.audit();
      const open = orders.filter((o) => !o.end).length;
      const checks: ScenarioReport['checks'] = [
        ['every order ended (none stuck, none still running)', open === 0, `${open} did not`],
      ];
      const passed = open === 0 && audit.violations.length === 0;
      return { name, title: batch.title, passed, ms, orders: await rows(workflows, orders), checks, audit };
    };
    void run()
      .then(
        (report) => send({ report }),
        (err: unknown) =>
          send({ error: err instanceof ScenarioError ? err.message : `The run stopped: ${String(err)}` }),
      )
      .finally(() => out.end());
  });
}
