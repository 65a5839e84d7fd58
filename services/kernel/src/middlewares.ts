import { trace } from '@opentelemetry/api';
import type { Context, Next } from 'koa';
import { CORRELATION_HEADER, newCorrelationId, withCorrelationId } from './context.ts';
import { AppError } from './errors.ts';
import { logger } from './logger.ts';

/** Every request runs with a correlation id: the caller's X-Correlation-Id or a new one, echoed. */
export async function correlation(ctx: Context, next: Next): Promise<void> {
  const given = ctx.get(CORRELATION_HEADER).trim();
  const id = given && given.length <= 200 ? given : newCorrelationId();
  ctx.set('X-Correlation-Id', id);
  trace.getActiveSpan()?.setAttribute('correlation.id', id);
  await withCorrelationId(id, next);
}

const quietPaths = new Set(['/health', '/ready', '/metrics']);
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
