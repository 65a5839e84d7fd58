import type { Context } from 'koa';
import type { z } from 'zod';
import { requireRouteTokens } from './auth.ts';
import type { ServiceEnv } from './config.ts';
import { runDomainOperation } from './domain-operation.ts';
import type { Pipeline } from './domain-operation.ts';
import { validationError } from './errors.ts';
import type { Route, RouteInput, RouteSchemas } from './route-definition.ts';

function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'params' | 'header',
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationError(parsed.error, where);
  return parsed.data;
}

/**
 * The koa handler of one route: the admin or service token check, then its params, body, query and headers validated
 * by the route's schemas (400 naming the field), then the handler, or the domain operation pipeline
 * for a chaos route of a service that has chaos.
 */
export function routeHandler(
  route: Route,
  env: ServiceEnv,
  pipeline: Pipeline | undefined,
): (ctx: Context) => Promise<void> {
  return async (ctx) => {
    requireRouteTokens(route, env, ctx);
    const schemas: RouteSchemas = route;
    // koa-router's params (strings) when the route has no schema for them.
    const params: unknown = schemas.params ? parseWith(schemas.params, ctx.params, 'params') : ctx.params;
    const body = schemas.body ? parseWith(schemas.body, ctx.request.body, 'body') : undefined;
    const query = schemas.query ? parseWith(schemas.query, ctx.query, 'query') : undefined;
    const headers = schemas.headers ? parseWith(schemas.headers, ctx.headers, 'header') : undefined;
    const input: RouteInput<unknown, unknown, unknown, unknown> = { body, query, headers, params, ctx };
    if (route.chaos && pipeline) {
      await runDomainOperation(ctx, route, input, pipeline);
      return;
    }
    ctx.status = route.status ?? 200;
    ctx.body = await route.handler(input);
  };
}
