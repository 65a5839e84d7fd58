import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import type { Context, Middleware } from 'koa';
import type { z } from 'zod';
import type { createDocument } from 'zod-openapi';
import { requireToken } from './auth.ts';
import { createChaos } from './chaos.ts';
import type { Chaos, OperationSpec } from './chaos.ts';
import { chaosRoutes } from './chaos-routes.ts';
import { readJsonFile, watchJsonFile } from './config.ts';
import type { ServiceEnv } from './config.ts';
import type { Db } from './db.ts';
import { openDb } from './db.ts';
import { runDomainPost } from './domain-operation.ts';
import { AppError, errorMiddleware, validationError } from './errors.ts';
import { createIdempotencyStore } from './idempotency.ts';
import type { IdempotencyStore } from './idempotency.ts';
import { logger, setServiceName } from './logger.ts';
import { createMetrics } from './metrics.ts';
import type { Metrics } from './metrics.ts';
import { correlation, notFoundMiddleware, requestLog } from './middlewares.ts';
import { buildOpenApi } from './openapi.ts';
import type { Route, RouteInput } from './route-definition.ts';
import { swaggerAsset, swaggerAssets, swaggerHtml } from './swagger-ui.ts';

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

const requireAdmin = (env: ServiceEnv, ctx: Context): void =>
  requireToken(ctx, env.ADMIN_TOKEN, 'admin', 'ADMIN_TOKEN', 'Admin endpoints are');

function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'params' | 'header',
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error, where);
  return parsed.data;
}

/** The koa app of one service, its standard endpoints, and the chaos + idempotency pipeline. */
export function createService(options: ServiceOptions): Service {
  const { name, prefix, env } = options;
  // Without a file (no domain POSTs), idempotency keys and chaos attempts live in memory.
  const db = options.db ?? openDb(':memory:');
  setServiceName(name);
  const log = logger.child({ module: 'http' });
  const metrics = createMetrics(name);
  const idempotency = createIdempotencyStore(db, env.IDEMPOTENCY_TTL_MS);
  const pruneTimer = setInterval(() => idempotency.prune(), 60 * 60 * 1000);
  pruneTimer.unref();

  let chaos: Chaos | undefined;
  let stopWatching = (): void => undefined;
  const routes = [...options.routes];
  if (options.chaos) {
    let initial: unknown = {};
    if (env.CHAOS_FILE) {
      try {
        initial = readJsonFile(env.CHAOS_FILE) ?? {};
      } catch (err) {
        log.error(
          { file: env.CHAOS_FILE, err: (err as Error).message },
          'chaos file rejected at start-up: using the built-in default',
        );
      }
    }
    try {
      chaos = createChaos({ operations: options.chaos, db, initial });
    } catch (err) {
      log.error({ err: (err as Error).message }, 'chaos config rejected at start-up: using the built-in default');
      chaos = createChaos({ operations: options.chaos, db });
    }
    const engine = chaos;
    if (env.CHAOS_FILE) {
      mkdirSync(dirname(env.CHAOS_FILE), { recursive: true });
      stopWatching = watchJsonFile(env.CHAOS_FILE, log, (raw) => {
        const result = engine.apply(raw);
        if (result.ok) log.info({ file: env.CHAOS_FILE, chaos: engine.distribution() }, 'chaos config reloaded');
        else
          log.error(
            { file: env.CHAOS_FILE, reason: result.error },
            'chaos config rejected; keeping the last good config',
          );
      });
    }
    routes.push(...chaosRoutes(prefix, engine));
  }

  const router = new Router();
  for (const route of routes) {
    router[route.method](route.path, async (ctx: Context) => {
      if (route.admin) requireAdmin(env, ctx);
      const params = route.params
        ? (parseWith(route.params, ctx.params, 'params') as Record<string, string>)
        : ctx.params;
      const body = route.body ? parseWith(route.body, ctx.request.body, 'body') : undefined;
      const query = route.query ? parseWith(route.query, ctx.query, 'query') : undefined;
      const headers = route.headers ? parseWith(route.headers, ctx.headers, 'header') : undefined;
      const input: RouteInput<unknown, unknown, unknown> = {
        body,
        query,
        headers,
        params: params as Record<string, string>,
        ctx,
      };
      if (route.chaos && chaos) {
        await runDomainPost(ctx, route, input, { chaos, idempotency, metrics, db, env });
        return;
      }
      ctx.status = route.status ?? 200;
      ctx.body = await route.handler(input);
    });
  }

  const openapi = buildOpenApi(options, routes);
  const standard = new Router();
  standard.get('/health', (ctx) => {
    ctx.body = { status: 'ok', service: name };
  });
  standard.get('/ready', async (ctx) => {
    try {
      db.prepare('SELECT 1').get();
      await options.ready?.();
      ctx.body = { status: 'ready', service: name };
    } catch (err) {
      throw new AppError({
        type: 'api_error',
        code: 'not_ready',
        status: 503,
        message: `Not ready: ${(err as Error).message}`,
      });
    }
  });
  standard.get('/metrics', async (ctx) => {
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  standard.get('/openapi.json', (ctx) => {
    ctx.body = openapi;
  });
  standard.get('/api/docs', (ctx) => {
    ctx.type = 'html';
    ctx.body = swaggerHtml(name);
  });
  standard.get('/api/docs/:file', (ctx) => {
    const file = ctx.params.file ?? '';
    if (!swaggerAssets.has(file)) return;
    ctx.type = file.split('.').pop() ?? 'text';
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = swaggerAsset(file);
  });

  const app = new Koa();
  app.proxy = true;
  app.silent = true;
  app.use(correlation);
  app.use(metrics.middleware);
  app.use(requestLog);
  for (const middleware of options.middleware ?? []) app.use(middleware);
  app.use(errorMiddleware);
  app.use(
    bodyParser({
      enableTypes: ['json'],
      jsonLimit: env.BODY_LIMIT,
      encoding: 'utf-8',
      onError: (err: Error) => {
        throw err;
      },
    }),
  );
  // notFound wraps the routers: allowedMethods (inside it) must see an unanswered request first,
  // or a known path with the wrong method would be a 404 instead of a 405.
  app.use(notFoundMiddleware);
  app.use(standard.routes());
  app.use(router.routes());
  app.use(router.allowedMethods({ throw: true }));

  let server: Server | undefined;
  return {
    app,
    chaos,
    metrics,
    idempotency,
    openapi,
    async listen(port = env.PORT, host = env.HOST) {
      server = app.listen(port, host);
      await new Promise<void>((resolve, reject) => {
        server!.once('listening', resolve).once('error', reject);
      });
      const actual = (server.address() as AddressInfo).port;
      const url = `http://127.0.0.1:${actual}`;
      log.info({ port: actual, url }, `${name} listening`);
      return { server, port: actual, url };
    },
    async close() {
      stopWatching();
      clearInterval(pruneTimer);
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      db.close();
    },
  };
}
