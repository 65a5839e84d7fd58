import { mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import type { Context, Middleware, Next } from 'koa';
import swaggerUiDist from 'swagger-ui-dist';
import { z } from 'zod';
import { createDocument } from 'zod-openapi';
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject, ZodOpenApiResponseObject } from 'zod-openapi';
import { createChaos } from './chaos.ts';
import type { Chaos, OperationSpec } from './chaos.ts';
import { chaosConfigSchema } from './chaos.ts';
import { requireToken } from './auth.ts';
import { readJsonFile, watchJsonFile } from './config.ts';
import type { ServiceEnv } from './config.ts';
import { CORRELATION_HEADER, newCorrelationId, withCorrelationId } from './context.ts';
import type { Db } from './db.ts';
import { openDb, transaction } from './db.ts';
import {
  AppError,
  badRequest,
  errorBody,
  errorBodySchema,
  errorMiddleware,
  toAppError,
  validationError,
} from './errors.ts';
import { createIdempotencyStore, fingerprint } from './idempotency.ts';
import type { IdempotencyStore } from './idempotency.ts';
import { logger, setServiceName } from './logger.ts';
import { createMetrics } from './metrics.ts';
import type { Metrics } from './metrics.ts';

type Method = 'get' | 'post' | 'put' | 'delete';
type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface RouteInput<B, Q, H = undefined> {
  body: B;
  query: Q;
  headers: H;
  params: Record<string, string>;
  ctx: Context;
}

/**
 * One route: the zod schemas that validate it are the ones its OpenAPI operation is generated from.
 * A route with `chaos` is a domain operation (a POST, or a GET such as a public-API stand-in): it
 * draws a chaos outcome, honours Idempotency-Key, and its handler must be synchronous, because it
 * runs in the same SQLite transaction that stores the idempotent answer.
 */
export interface RouteDef<
  B extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  R extends z.ZodType,
  H extends z.ZodObject | undefined = undefined,
> {
  method: Method;
  /** koa-router path, e.g. `/payment/capture` or `/things/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  body?: B;
  query?: Q;
  /** Path parameters (string fields): validated like the body, and documented from the same schema. */
  params?: z.ZodObject;
  /**
   * Request headers the route reads: validated like the query (400 naming the header) and documented
   * from the same schema. Keys are lower-case (node's `req.headers`); other headers pass through.
   */
  headers?: H;
  response: R;
  /** Success status (200 unless given). */
  status?: number;
  /** Documented error statuses and what they mean. */
  errors?: Record<number, string>;
  admin?: boolean;
  chaos?: string;
  /**
   * The route runs its drawn chaos latency itself, as a job that outlives its caller (shipping's
   * label): the pipeline applies the effect without waiting first, and the handler reads the drawn
   * time from `ctx.state.chaos.latencyMs`.
   */
  ownsLatency?: boolean;
  handler: (input: RouteInput<Out<B>, Out<Q>, Out<H>>) => z.input<R> | Promise<z.input<R>>;
}

// The route list is heterogeneous; each definition was type-checked by `defineRoute`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Route = RouteDef<any, any, z.ZodType, any>;

export const defineRoute = <
  R extends z.ZodType,
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  H extends z.ZodObject | undefined = undefined,
>(
  def: RouteDef<B, Q, R, H>,
): Route => def as unknown as Route;

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

const idempotencyKeySchema = z.string().min(1).max(255);

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

/** Every request runs with a correlation id: the caller's X-Correlation-Id or a new one, echoed. */
async function correlation(ctx: Context, next: Next): Promise<void> {
  const given = ctx.get(CORRELATION_HEADER).trim();
  const id = given && given.length <= 200 ? given : newCorrelationId();
  ctx.set('X-Correlation-Id', id);
  trace.getActiveSpan()?.setAttribute('correlation.id', id);
  await withCorrelationId(id, next);
}

const quietPaths = new Set(['/health', '/ready', '/metrics']);
async function requestLog(ctx: Context, next: Next): Promise<void> {
  const started = performance.now();
  await next();
  if (quietPaths.has(ctx.path)) return;
  logger.info(
    {
      method: ctx.method,
      path: ctx.path,
      status: ctx.respond === false ? 'reset' : ctx.status,
      durationMs: Math.round(performance.now() - started),
      ...(ctx.state.chaos && { chaos: ctx.state.chaos }),
    },
    'request',
  );
}

async function notFoundMiddleware(ctx: Context, next: Next): Promise<void> {
  await next();
  if (ctx.status === 404 && ctx.body === undefined && ctx.respond !== false)
    throw new AppError({
      type: 'invalid_request_error',
      code: 'route_not_found',
      status: 404,
      message: `Unrecognized request URL (${ctx.method}: ${ctx.path}).`,
    });
}

interface Pipeline {
  chaos: Chaos;
  idempotency: IdempotencyStore;
  metrics: Metrics;
  db: Db;
  env: ServiceEnv;
}

/** True for answers that are final for a key: successes and business errors, not transient faults. */
const definitive = (status: number): boolean => status < 500 && status !== 429 && status !== 408;

/**
 * A domain operation (SPEC §3.1/§3.2; a POST, or a GET stand-in): validate (done by the caller),
 * claim the idempotency key, draw the chaos outcome, then either fail transiently (key freed), answer
 * a business error (stored), or run the effect and store its answer in one transaction.
 */
async function runDomainPost(
  ctx: Context,
  route: Route,
  input: RouteInput<unknown, unknown, unknown>,
  p: Pipeline,
): Promise<void> {
  const operation = route.chaos!;
  const rawKey = ctx.get('idempotency-key');
  const key = rawKey === '' ? undefined : rawKey;
  if (key !== undefined && !idempotencyKeySchema.safeParse(key).success)
    throw badRequest('parameter_invalid', 'Idempotency-Key must be 1 to 255 characters.', 'Idempotency-Key');
  const forcedRaw = ctx.get('x-chaos-outcome').trim();
  const forced = forcedRaw === '' ? undefined : forcedRaw;
  if (forced !== undefined) {
    if (!p.env.ALLOW_CHAOS_FORCING)
      throw badRequest(
        'chaos_forcing_disabled',
        'X-Chaos-Outcome is not accepted: forcing is disabled on this service.',
        'X-Chaos-Outcome',
      );
    if (!p.chaos.outcomesOf(operation).includes(forced))
      throw badRequest(
        'parameter_invalid',
        `X-Chaos-Outcome must be one of: ${p.chaos.outcomesOf(operation).join(', ')}.`,
        'X-Chaos-Outcome',
      );
  }

  if (key !== undefined) {
    // A GET carries its input in the query, a POST in its body.
    const request = route.body ? ctx.request.body : input.query;
    const begun = p.idempotency.begin(key, fingerprint(ctx.method, ctx.path, request));
    if (begun.kind === 'mismatch')
      throw new AppError({
        type: 'idempotency_error',
        code: 'idempotency_key_in_use',
        status: 400,
        message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.',
        param: 'Idempotency-Key',
      });
    if (begun.kind === 'in_flight')
      throw new AppError({
        type: 'idempotency_error',
        code: 'idempotency_key_in_flight',
        status: 409,
        message: 'A request with this Idempotency-Key is still being processed; retry later.',
        param: 'Idempotency-Key',
      });
    if (begun.kind === 'replay') {
      p.metrics.idempotentReplays.inc({ route: route.path });
      ctx.set('Idempotent-Replayed', 'true');
      ctx.status = begun.status;
      ctx.body = begun.body;
      return;
    }
  }
  const release = (): void => {
    if (key !== undefined) p.idempotency.abandon(key);
  };

  let decision;
  try {
    decision = p.chaos.decide(operation, key, forced);
  } catch (err) {
    release();
    throw err;
  }
  const { outcome } = decision;
  p.metrics.chaosOutcomes.inc({ operation, outcome, forced: String(decision.forced) });
  trace.getActiveSpan()?.setAttributes({
    'chaos.operation': operation,
    'chaos.outcome': outcome,
    'chaos.forced': decision.forced,
    'chaos.attempt': decision.attempt,
  });
  // Logged once, on the request's own line (see requestLog).
  ctx.state.chaos = {
    operation,
    outcome,
    forced: decision.forced,
    attempt: decision.attempt,
    latencyMs: decision.latencyMs,
  };
  ctx.set('X-Chaos-Outcome', outcome);

  const transient = (): AppError | undefined => {
    switch (outcome) {
      case 'timeout':
        return new AppError({ type: 'api_error', code: 'timeout', status: 504, message: 'The request timed out.' });
      case 'server_error':
        return new AppError({
          type: 'api_error',
          code: 'server_error',
          status: 500,
          message: 'The server had an error while processing the request.',
          expose: true,
        });
      case 'rate_limited':
        return new AppError({
          type: 'rate_limit_error',
          code: 'rate_limited',
          status: 429,
          message: 'Too many requests.',
          headers: { 'Retry-After': String(p.chaos.retryAfterSeconds()) },
        });
      default:
        return undefined;
    }
  };

  const fault = transient();
  if (fault || outcome === 'reset') {
    // Nothing happened: free the key before waiting, so a caller's retry draws again at once.
    release();
    if (decision.latencyMs) await sleep(decision.latencyMs);
    if (outcome === 'timeout') await sleep(p.chaos.timeoutMs());
    if (outcome === 'reset') {
      ctx.req.socket.destroy();
      ctx.respond = false;
      return;
    }
    throw fault;
  }

  let committed = false;
  try {
    if (decision.latencyMs && !route.ownsLatency) await sleepUnlessGone(ctx, decision.latencyMs);
    if (callerGone(ctx)) {
      // The caller hung up (e.g. a cancelled activity aborted its request) before the effect: apply
      // nothing and free the key, so what the caller's compensation reads in the ledger stays true.
      release();
      ctx.respond = false;
      logger.info({ operation, outcome }, 'caller hung up before the effect; nothing applied');
      return;
    }
    const business = p.chaos.businessError(operation, outcome);
    if (business) throw business;
    const status = route.status ?? 200;
    const body = transaction(p.db, () => {
      const result = route.handler(input);
      if (result instanceof Promise) throw new Error(`handler of ${route.operationId} must be synchronous`);
      const parsed = route.response.parse(result);
      if (key !== undefined) p.idempotency.complete(key, status, parsed);
      return parsed;
    });
    committed = true;
    if (outcome === 'commit_then_timeout') {
      await sleep(p.chaos.timeoutMs());
      throw new AppError({ type: 'api_error', code: 'timeout', status: 504, message: 'The request timed out.' });
    }
    ctx.status = status;
    ctx.body = body;
  } catch (thrown) {
    const err = toAppError(thrown);
    // A committed effect (commit_then_timeout) has its answer stored already; other failures,
    // including a business error under commit_then_timeout (nothing committed), store a definitive
    // answer, or free the key for a transient one.
    if (key !== undefined && !committed) {
      if (definitive(err.status)) p.idempotency.complete(key, err.status, errorBody(err));
      else release();
    }
    throw err;
  }
}

/** True once the caller's connection closed before we answered. */
const callerGone = (ctx: Context): boolean => ctx.req.socket.destroyed || ctx.res.destroyed;

/** Sleeps `ms`, waking early when the caller hangs up. */
async function sleepUnlessGone(ctx: Context, ms: number): Promise<void> {
  const gone = new AbortController();
  const onClose = (): void => gone.abort();
  ctx.res.once('close', onClose);
  try {
    await sleep(ms, undefined, { signal: gone.signal });
  } catch {
    // woken by the caller hanging up
  } finally {
    ctx.res.off('close', onClose);
  }
}

function chaosRoutes(prefix: string, engine: Chaos): Route[] {
  const distributionSchema = z
    .object({
      profile: z.string(),
      seeded: z.boolean(),
      timeoutMs: z.number(),
      retryAfterSeconds: z.number(),
      operations: z.record(
        z.string(),
        z.object({
          weights: z.record(z.string(), z.number()),
          latency: z.object({ baseMs: z.number(), jitterMs: z.number(), extraMs: z.number() }),
        }),
      ),
    })
    .meta({ id: 'ChaosDistribution' });
  return [
    defineRoute({
      method: 'get',
      path: `${prefix}/chaos/distribution`,
      operationId: 'getChaosDistribution',
      summary: 'The live chaos outcome mix of each operation, in percent',
      tags: ['chaos'],
      response: distributionSchema,
      handler: () => engine.distribution(),
    }),
    defineRoute({
      method: 'get',
      path: `${prefix}/stats`,
      operationId: 'getChaosStats',
      summary: 'Counts of the outcomes served since the process started, per operation',
      tags: ['chaos'],
      response: z
        .object({ outcomes: z.record(z.string(), z.record(z.string(), z.number())) })
        .meta({ id: 'ChaosStats' }),
      handler: () => ({ outcomes: engine.stats() }),
    }),
    defineRoute({
      method: 'put',
      path: `${prefix}/chaos`,
      operationId: 'putChaosConfig',
      summary: 'Replace the live chaos config (admin); invalid configs are refused and the current one stays',
      tags: ['chaos'],
      admin: true,
      body: chaosConfigSchema,
      response: distributionSchema,
      errors: { 400: 'Invalid chaos config', 401: 'Missing or wrong admin token' },
      handler: ({ ctx }) => {
        const result = engine.apply(ctx.request.body);
        if (!result.ok) throw badRequest('chaos_config_invalid', `Chaos config refused: ${result.error}`);
        logger.info({ chaos: engine.distribution() }, 'chaos config replaced through the API');
        return engine.distribution();
      },
    }),
  ];
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBodySchema } },
});

function buildOpenApi(options: ServiceOptions, routes: Route[]) {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const pathParams = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const headers: Record<string, z.ZodType> = {
      'X-Correlation-Id': z.string().optional().meta({ description: 'Echoed back; generated when absent' }),
    };
    if (route.chaos) {
      headers['Idempotency-Key'] = z
        .string()
        .max(255)
        .optional()
        .meta({ description: 'Stripe semantics: a repeat replays the first definitive answer' });
      headers['X-Chaos-Outcome'] = z
        .string()
        .optional()
        .meta({ description: "Force this request's chaos outcome (when forcing is allowed)" });
    }
    const responses: Record<string, ZodOpenApiResponseObject> = {
      [String(route.status ?? 200)]: {
        description: 'Success',
        content: { 'application/json': { schema: route.response } },
      },
      400: errorResponse('Invalid request'),
    };
    for (const [status, description] of Object.entries(route.errors ?? {}))
      responses[status] = errorResponse(description);
    if (route.chaos) {
      responses['409'] ??= errorResponse('Conflict, or the Idempotency-Key is in flight');
      responses['429'] = errorResponse('Rate limited (chaos); see Retry-After');
      responses['500'] = errorResponse('Server error (chaos)');
      responses['504'] = errorResponse('Timed out (chaos)');
    }
    const operation: ZodOpenApiOperationObject = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description && { description: route.description }),
      tags: route.tags ?? [options.name],
      ...(route.admin && { security: [{ bearer: [] }] }),
      requestParams: {
        header: z.object({ ...headers, ...route.headers?.shape }),
        ...(route.query && { query: route.query as z.ZodObject }),
        ...(pathParams.length > 0 && {
          path: route.params ?? z.object(Object.fromEntries(pathParams.map((p) => [p, z.string()]))),
        }),
      },
      ...(route.body && { requestBody: { content: { 'application/json': { schema: route.body } } } }),
      responses,
    };
    paths[path] = { ...paths[path], [route.method]: operation };
  }
  const simple = (description: string) => ({
    get: { summary: description, tags: ['ops'], responses: { 200: { description } } },
  });
  Object.assign(paths, {
    '/health': simple('Liveness'),
    '/ready': simple('Readiness: the store and dependencies answer'),
    '/metrics': simple('Prometheus metrics (OpenMetrics)'),
  });
  return createDocument({
    openapi: '3.1.0',
    info: { title: `fake-stripe ${options.name}`, version: options.version ?? '0.1.0' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  });
}

/** Swagger UI's files, read once on first use and kept (shared by every service in the process). */
const swaggerCache = new Map<string, Buffer>();
function swaggerAsset(file: string): Buffer {
  let body = swaggerCache.get(file);
  if (!body) {
    body = readFileSync(join(swaggerUiDist.getAbsoluteFSPath(), file));
    swaggerCache.set(file, body);
  }
  return body;
}

const swaggerAssets = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
  'index.css',
]);
const swaggerHtml = (name: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${name} API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css"><link rel="icon" href="/api/docs/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div><script src="/api/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' });</script></body></html>`;

/** Starts a service from its main module: listen, and close cleanly on SIGTERM/SIGINT. */
export async function runService(service: Service): Promise<void> {
  await service.listen();
  const stop = (signal: string): void => {
    logger.info({ signal }, 'stopping');
    service.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
