import { z } from 'zod';
import { createDocument } from 'zod-openapi';
import type { ZodOpenApiOperationObject, ZodOpenApiPathsObject, ZodOpenApiResponseObject } from 'zod-openapi';
import { routeSecurity, tokenSchemes } from './auth.ts';
import type { TokenScheme } from './auth.ts';
import type { AuthEnv } from './config.ts';
import { errorBodySchema } from './errors.ts';
import type { Route, RouteSchemas } from './route-definition.ts';

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: errorBodySchema } },
});

/**
 * The OpenAPI 3.1 document of a service, generated from the same zod schemas that validate its routes;
 * each operation's `security` lists the tokens it accepts in this auth mode, and `outcomesOf` lists a
 * chaos operation's outcomes, the values `X-Chaos-Outcome` accepts.
 */
export function buildOpenApi(options: OpenApiOptions, routes: Route[]) {
  const paths: ZodOpenApiPathsObject = {};
  const used = new Set<TokenScheme>();
  for (const route of routes) {
    const security = routeSecurity(route, options.env);
    for (const scheme of security) used.add(scheme);
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method]: operationOf(route, security, options) };
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
    components: {
      securitySchemes: Object.fromEntries(
        [...used].map((scheme) => [scheme, { type: 'http', scheme: 'bearer', description: tokenSchemes[scheme] }]),
      ),
    },
    paths,
  });
}

interface OpenApiOptions {
  name: string;
  version?: string;
  env: AuthEnv;
  outcomesOf?: (operation: string) => string[];
}

/** One route's operation: its parameters and headers, its body, and every answer it documents. */
function operationOf(route: Route, security: TokenScheme[], options: OpenApiOptions): ZodOpenApiOperationObject {
  const schemas: RouteSchemas = route;
  // The one group always takes part in a match: each match names one parameter.
  const pathParams = [...route.path.matchAll(/:(\w+)/g)].flatMap((m) => m[1] ?? []);
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description && { description: route.description }),
    tags: route.tags ?? [options.name],
    ...(security.length > 0 && { security: security.map((scheme) => ({ [scheme]: [] })) }),
    requestParams: {
      header: z.object({ ...headersOf(route, options), ...schemas.headers?.shape }),
      ...(schemas.query && { query: schemas.query as z.ZodObject }),
      ...(pathParams.length > 0 && {
        path: schemas.params ?? z.object(Object.fromEntries(pathParams.map((p) => [p, z.string()]))),
      }),
    },
    // A body is required unless its schema accepts none (the parser reads a missing body as `{}`).
    ...(schemas.body && {
      requestBody: {
        required: !schemas.body.safeParse(undefined).success,
        content: route.form
          ? { 'application/x-www-form-urlencoded': { schema: schemas.body, encoding: formEncoding(schemas.body) } }
          : { 'application/json': { schema: schemas.body } },
      },
    }),
    responses: responsesOf(route, security),
  };
}

/** The headers every route reads, and a chaos route's Idempotency-Key and X-Chaos-Outcome. */
function headersOf(route: Route, options: OpenApiOptions): Record<string, z.ZodType> {
  const headers: Record<string, z.ZodType> = {
    'X-Correlation-Id': z.string().optional().meta({ description: 'Echoed back; generated when absent' }),
  };
  if (route.chaos) {
    headers['Idempotency-Key'] = z
      .string()
      .max(255)
      .optional()
      .meta({ description: 'Stripe semantics: a repeat replays the first definitive answer' });
    const outcomes = options.outcomesOf?.(route.chaos) ?? [];
    headers['X-Chaos-Outcome'] = (outcomes.length > 0 ? z.enum(outcomes as [string, ...string[]]) : z.string())
      .optional()
      .meta({ description: "Force this request's chaos outcome (when forcing is allowed)" });
  }
  return headers;
}

/** A route's answers: its success (and other successes), 400, the token refusals, its errors, chaos's. */
function responsesOf(route: Route, security: TokenScheme[]): Record<string, ZodOpenApiResponseObject> {
  const success = (description: string): ZodOpenApiResponseObject => ({
    description,
    content: { 'application/json': { schema: route.response } },
  });
  const responses: Record<string, ZodOpenApiResponseObject> = {
    [String(route.status ?? 200)]: success('Success'),
    400: errorResponse('Invalid request'),
  };
  for (const [status, description] of Object.entries(route.otherSuccesses ?? {}))
    responses[status] = success(description);
  if (security.length > 0) {
    responses['401'] ??= errorResponse(`Missing or wrong bearer token (${security.join(' or ')})`);
    if (security.includes('customer')) responses['403'] ??= errorResponse("The token is not this customer's");
  }
  for (const [status, description] of Object.entries(route.errors ?? {}))
    responses[status] = errorResponse(description);
  if (route.chaos) {
    responses['409'] ??= errorResponse('Conflict, or the Idempotency-Key is in flight');
    responses['429'] = errorResponse('Rate limited (chaos); see Retry-After');
    responses['500'] = errorResponse('Server error (chaos)');
    responses['504'] = errorResponse('Timed out (chaos)');
  }
  return responses;
}

/** Stripe's form encoding of a nested object (`metadata[key]=value`): OpenAPI's deepObject style. */
function formEncoding(body: z.ZodType): Record<string, { style: 'deepObject'; explode: true }> {
  type Shape = { properties?: Record<string, { type?: unknown }>; $ref?: string; $defs?: Record<string, Shape> };
  const json = z.toJSONSchema(body, { io: 'input', unrepresentable: 'any' }) as Shape;
  // A schema with an id comes back as a reference to its definition.
  const root = (json.$ref && json.$defs?.[json.$ref.split('/').pop() ?? '']) || json;
  return Object.fromEntries(
    Object.entries(root.properties ?? {})
      .filter(([, property]) => property.type === 'object')
      .map(([name]) => [name, { style: 'deepObject', explode: true }]),
  );
}
