import Router from '@koa/router';
import type { createDocument } from 'zod-openapi';
import type { Db } from './db.ts';
import { AppError } from './errors.ts';
import type { Metrics } from './metrics.ts';
import { swaggerAsset, swaggerAssets, swaggerHtml } from './swagger-ui.ts';

export interface StandardDeps {
  name: string;
  db: Db;
  metrics: Metrics;
  openapi: ReturnType<typeof createDocument>;
  /** Throws when the service is not ready (its store or dependencies). */
  ready?: () => void | Promise<void>;
}

/** What every service serves: liveness, readiness, metrics, its OpenAPI document and Swagger UI. */
export function standardRoutes({ name, db, metrics, openapi, ready }: StandardDeps): Router {
  const standard = new Router();
  standard.get('/health', (ctx) => {
    ctx.body = { status: 'ok', service: name };
  });
  standard.get('/ready', async (ctx) => {
    try {
      db.prepare('SELECT 1').get();
      await ready?.();
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
  return standard;
}
