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

export async function notFoundMiddleware(ctx: Context, next: Next): Promise<void> {
  await next();
  if (ctx.status === 404 && ctx.body === undefined && ctx.respond !== false)
    throw new AppError({
      type: 'invalid_request_error',
      code: 'route_not_found',
      status: 404,
      message: `Unrecognized request URL (${ctx.method}: ${ctx.path}).`,
    });
}
