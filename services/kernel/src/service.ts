import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import type KoaApplication from 'koa';
import type { Middleware } from 'koa';
import type { createDocument } from 'zod-openapi';
import { jsonBody } from './body-parser.ts';
import type { Chaos, OperationSpec } from './chaos.ts';
import { chaosRoutes } from './chaos-routes.ts';
import { wireChaos } from './chaos-wiring.ts';
import { checkAuthEnv } from './config.ts';
import type { ServiceEnv } from './config.ts';
import type { Db } from './db.ts';
import { closeDb, durable, openDb } from './db.ts';
import type { Pipeline } from './domain-operation.ts';
import { errorMiddleware } from './errors.ts';
import { createIdempotencyStore } from './idempotency.ts';
import type { IdempotencyStore } from './idempotency.ts';
import { logger, setServiceName } from './logger.ts';
import { createMetrics } from './metrics.ts';
import type { Metrics } from './metrics.ts';
import { correlation, requestLog, serverSpan, unansweredMiddleware } from './middlewares.ts';
import { buildOpenApi } from './openapi.ts';
import type { Route } from './route-definition.ts';
import { routeHandler } from './route-handler.ts';
import { standardRoutes } from './standard-routes.ts';

/**
 * koa through require (its CommonJS build, the one its ESM entry wraps), where the telemetry
 * preload's koa instrumentation patches it as it loads (telemetry.ts): patching an ESM import would
 * need a module loader hook, a thread of its own in every process (~19 MB, ~0.5 s of start).
 */
const Koa = createRequire(import.meta.url)('koa') as typeof KoaApplication;
type Koa = KoaApplication;

export interface ServiceOptions {
  name: string;
  /** URL prefix of the domain's own endpoints, e.g. `/payment` (chaos endpoints live under it). */
  prefix: string;
  version?: string;
  env: ServiceEnv;
  /** The service's SQLite file; a service without one (the API) has no domain POSTs. */
  db?: Db;
  routes: Route[];
  chaos?: Record<string, OperationSpec>;
  /** Throws when the service is not ready (its store or dependencies). */
  ready?: () => void | Promise<void>;
  /** Paths under this prefix also take form-encoded bodies (the payment service's Stripe `/v1/`). */
  formPrefix?: string;
  /**
   * Extra koa middleware around every request, after correlation and the request log and outside the
   * error middleware, so it sees each request's final status (e.g. a recorder). It must not throw.
   */
  middleware?: Middleware[];
}

export interface Service {
  app: Koa;
  chaos: Chaos | undefined;
  metrics: Metrics;
  idempotency: IdempotencyStore;
  openapi: ReturnType<typeof createDocument>;
  listen(port?: number, host?: string): Promise<{ server: Server; port: number; url: string }>;
  close(): Promise<void>;
}

/** The koa app of one service, its standard endpoints, and the chaos + idempotency pipeline. */
export function createService(options: ServiceOptions): Service {
  const { name, prefix, env } = options;
  checkAuthEnv(env);
  // Without a file (no domain POSTs), idempotency keys and chaos attempts live in memory.
  const db = options.db ?? openDb(':memory:');
  setServiceName(name);
  const log = logger.child({ module: 'http' });
  const metrics = createMetrics(name);
  const idempotency = createIdempotencyStore(db, env.IDEMPOTENCY_TTL_MS);
  const pruneTimer = setInterval(() => idempotency.prune(), 60 * 60 * 1000);
  pruneTimer.unref();

  const routes = [...options.routes];
  const wired = options.chaos
    ? wireChaos({ service: name, operations: options.chaos, db, env, metrics, log })
    : undefined;
  if (wired) routes.push(...chaosRoutes(prefix, wired));
  const pipeline: Pipeline | undefined = wired && { chaos: wired.chaos, idempotency, metrics, db, env };

  const router = new Router();
  for (const route of routes) router[route.method](route.path, routeHandler(route, env, pipeline));
  const openapi = buildOpenApi({ ...options, outcomesOf: wired?.chaos.outcomesOf }, routes);
  const standard = standardRoutes({ name, db, metrics, openapi, ready: options.ready });
  const app = assembleApp({
    env,
    db,
    metrics,
    middleware: options.middleware ?? [],
    standard,
    router,
    formPrefix: options.formPrefix,
  });

  let server: Server | undefined;
  return {
    app,
    chaos: wired?.chaos,
    metrics,
    idempotency,
    openapi,
    async listen(port = env.PORT, host = env.HOST) {
      const listening = app.listen(port, host);
      server = listening;
      await new Promise<void>((resolve, reject) => {
        listening.once('listening', resolve).once('error', reject);
      });
      const actual = (listening.address() as AddressInfo).port;
      const url = `http://127.0.0.1:${actual}`;
      log.info({ port: actual, url }, `${name} listening`);
      return { server: listening, port: actual, url };
    },
    async close() {
      wired?.stopWatching();
      clearInterval(pruneTimer);
      const open = server;
      if (open) {
        open.closeAllConnections();
        await new Promise<void>((resolve) => open.close(() => resolve()));
      }
      closeDb(db);
    },
  };
}

/**
 * Holds every answer, success or error, until the writes it may reflect are committed (the group
 * commit in db.ts): its own effect, its stored idempotent answer, or another request's write it read.
 */
const durableReplies =
  (db: Db): Middleware =>
  async (_ctx, next) => {
    try {
      await next();
    } finally {
      await durable(db);
    }
  };

/** The middleware stack, outermost first: what each one sees depends on this order. */
function assembleApp(parts: {
  env: ServiceEnv;
  db: Db;
  metrics: Metrics;
  middleware: Middleware[];
  standard: Router;
  router: Router;
  formPrefix: string | undefined;
}): Koa {
  const { env, metrics, standard, router } = parts;
  const app = new Koa();
  app.proxy = true;
  app.silent = true;
  app.use(serverSpan);
  app.use(correlation);
  app.use(metrics.middleware);
  app.use(requestLog);
  for (const middleware of parts.middleware) app.use(middleware);
  app.use(errorMiddleware);
  // Inside the error middleware: a failed group commit turns the request's answer into a 500.
  app.use(durableReplies(parts.db));
  app.use(jsonBody(env.BODY_LIMIT, parts.formPrefix));
  // unanswered wraps the routers: allowedMethods (inside it) must see an unanswered request first
  // and mark a known path with the wrong method (405, or 501 for a method the router does not
  // know), or every such request would be a 404.
  app.use(unansweredMiddleware);
  app.use(standard.routes());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
