import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type swaggerUiDist from 'swagger-ui-dist';

const require = createRequire(import.meta.url);

/**
 * Swagger UI's files, read once on first use and kept (shared by every service in the process). Its
 * package is loaded then too, not at start-up: a service that never serves /docs never pays for it.
 */
const swaggerCache = new Map<string, Buffer>();
export function swaggerAsset(file: string): Buffer {
  let body = swaggerCache.get(file);
  if (!body) {
    const dist = require('swagger-ui-dist') as typeof swaggerUiDist;
    body = readFileSync(join(dist.getAbsoluteFSPath(), file));
    swaggerCache.set(file, body);
  }
  return body;
}

export const swaggerAssets = new Set([
  'swagger-ui.css',
  'swagger-ui-bundle.js',
  'swagger-ui-standalone-preset.js',
  'favicon-32x32.png',
  'index.css',
]);
export const swaggerHtml = (name: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${name} API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css"><link rel="icon" href="/api/docs/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div><script src="/api/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' });</script></body></html>`;
