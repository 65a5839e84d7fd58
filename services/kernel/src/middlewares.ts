import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { Context, Next } from 'koa';
import { CORRELATION_HEADER, newCorrelationId, withCorrelationId } from './context.ts';
import { AppError } from './errors.ts';
import { logger } from './logger.ts';

const quietPaths = new Set(['/health', '/ready', '/metrics']);
/** Polled paths whose requests make no span (a `/ready` does: the worker's latency exemplars are its). */
const untracedPaths = new Set(['/health', '/metrics']);

const tracer = trace.getTracer('fake-stripe-http-server');
/**
 * The request's HTTP server span, in the caller's W3C trace (its `traceparent`), active for all the
 * request does: the koa route span, the log line's trace id, the spans and `traceparent` of the calls
 * it makes. Named `METHOD route` once the router matched one. This middleware replaces
 * OpenTelemetry's http instrumentation, which made the same span for ~0.09 ms of CPU a request
 * (docs/performance.md). `/health` and `/metrics` make none. Without the telemetry preload, the
 * API's no-op tracer makes this a pass-through.
 */
export async function serverSpan(ctx: Context, next: Next): Promise<void> {
  if (untracedPaths.has(ctx.path)) {
    await next();
    return;
  }
  const parent = propagation.extract(ROOT_CONTEXT, ctx.headers);
  const span = tracer.startSpan(
    ctx.method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: ctx.method,
        [ATTR_URL_PATH]: ctx.path,
        [ATTR_URL_SCHEME]: ctx.protocol,
      },
    },
    parent,
  );
  try {
    await context.with(trace.setSpan(parent, span), next);
    // A reply the chaos pipeline never sends (a reset, a timeout) has no status.
    if (ctx.respond !== false) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, ctx.status);
    if (ctx.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  } catch (err) {
    // Past the error middleware: koa answers 500.
    span.setStatus({ code: SpanStatusCode.ERROR, message: String(err) });
    throw err;
  } finally {
    const route = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
    if (route !== undefined) {
      span.setAttribute(ATTR_HTTP_ROUTE, String(route));
      span.updateName(`${ctx.method} ${String(route)}`);
    }
    span.end();
  }
}

/** Every request runs with a correlation id: the caller's X-Correlation-Id or a new one, echoed. */
export async function correlation(ctx: Context, next: Next): Promise<void> {
  const given = ctx.get(CORRELATION_HEADER).trim();
  const id = given && given.length <= 200 ? given : newCorrelationId();
  ctx.set('X-Correlation-Id', id);
  trace.getActiveSpan()?.setAttribute('correlation.id', id);
  await withCorrelationId(id, next);
}

export async function requestLog(ctx: Context, next: Next): Promise<void> {
  const started = performance.now();
  await next();
  if (quietPaths.has(ctx.path)) return;
  // What the chaos pipeline drew for this request, if it ran (logged as it stands).
  const chaos: unknown = ctx.state.chaos;
  logger.info(
    {
      method: ctx.method,
      path: ctx.path,
      status: ctx.respond === false ? 'reset' : ctx.status,
      durationMs: Math.round(performance.now() - started),
      ...(chaos !== undefined && { chaos }),
    },
    'request',
  );
}

/**
 * A request no route answered: a 405 naming the allowed methods when its path exists (the router
 * answered 405, or 501 for a method it does not know, such as TRACE or PROPFIND, and listed the
 * path's methods in Allow), else a 404. Both are the caller's mistake: errors in the shape, not logged.
 */
export async function unansweredMiddleware(ctx: Context, next: Next): Promise<void> {
  await next();
  if (ctx.body !== undefined || ctx.respond === false) return;
  if (ctx.status === 405 || ctx.status === 501) {
    const allow = String(ctx.response.get('Allow') ?? '');
    if (allow !== '')
      throw new AppError({
        type: 'invalid_request_error',
        code: 'method_not_allowed',
        status: 405,
        message: `Method ${ctx.method} is not allowed on ${ctx.path} (allowed: ${allow}).`,
        headers: { Allow: allow },
      });
    ctx.remove('Allow');
  } else if (ctx.status !== 404) return;
  throw new AppError({
    type: 'invalid_request_error',
    code: 'route_not_found',
    status: 404,
    message: `Unrecognized request URL (${ctx.method}: ${ctx.path}).`,
  });
}
