import { correlationId, defineRoute } from '@fake-stripe/kernel';
import type { OperationSpec, Route, ServiceOptions, UserContextSource } from '@fake-stripe/kernel';
import { catFact, forecast, locate } from './domain.ts';
import type { RequestLog } from './request-log.ts';
import {
  catFactQuery,
  catFactSchema,
  forecastQuery,
  forecastSchema,
  ipApiAnswerSchema,
  ipParams,
  requestsQuery,
  requestsSchema,
} from './schemas.ts';

/** The same default mix for the three APIs: mostly fine, sometimes slow, failing or rate limited. */
const flakyPublicApi: OperationSpec = {
  weights: { success: 85, timeout: 5, server_error: 5, rate_limited: 5 },
  latency: { baseMs: 50, jitterMs: 150 },
};
export const publicApisChaos: Record<UserContextSource, OperationSpec> = {
  location: flakyPublicApi,
  weather: flakyPublicApi,
  catFact: flakyPublicApi,
};

/** Which stand-in a path belongs to (its URL prefix is the real API's base URL). */
const apiPrefixes: Array<[string, UserContextSource]> = [
  ['/ipapi/', 'location'],
  ['/open-meteo/', 'weather'],
  ['/catfact/', 'catFact'],
];

/**
 * Records every request to the three APIs: start before anything else, end when the answer is ready
 * or when the caller hangs up (a client timeout), whichever comes first.
 */
export function recordRequests(log: RequestLog): NonNullable<ServiceOptions['middleware']>[number] {
  return async (ctx, next) => {
    const api = apiPrefixes.find(([prefix]) => ctx.path.startsWith(prefix))?.[1];
    if (!api) {
      await next();
      return;
    }
    const record = log.start({ api, path: ctx.path, correlationId: correlationId() });
    const outcome = (): string | undefined => (ctx.state.chaos as { outcome?: string } | undefined)?.outcome;
    const onClose = (): void => log.end(record, null, outcome());
    ctx.res.once('close', onClose);
    try {
      await next();
    } finally {
      ctx.res.off('close', onClose);
      log.end(record, ctx.respond === false || ctx.res.destroyed ? null : ctx.status, outcome());
    }
  };
}

export function publicApisRoutes(log: RequestLog, now: () => Date = () => new Date()): Route[] {
  let served = 0;
  return [
    defineRoute({
      method: 'get',
      path: '/ipapi/json/:ip',
      operationId: 'locateIp',
      summary: 'IP geolocation, shaped like ip-api.com/json/{query}',
      description:
        'Deterministic: the IP hashes to one of ~20 real cities. Private ranges answer 200 with ' +
        '`status: "fail"`, as ip-api does.',
      tags: ['ip-api'],
      chaos: 'location',
      params: ipParams,
      response: ipApiAnswerSchema,
      handler: ({ params }) => locate(params.ip),
    }),
    defineRoute({
      method: 'get',
      path: '/open-meteo/v1/forecast',
      operationId: 'forecast',
      summary: 'Current weather at a place, shaped like api.open-meteo.com/v1/forecast',
      description: 'Deterministic for the coordinates rounded to two decimals and the UTC hour.',
      tags: ['open-meteo'],
      chaos: 'weather',
      query: forecastQuery,
      response: forecastSchema,
      handler: ({ query }) => forecast(query.latitude, query.longitude, query.current_weather === 'true', now()),
    }),
    defineRoute({
      method: 'get',
      path: '/catfact/fact',
      operationId: 'catFact',
      summary: 'A cat fact, shaped like catfact.ninja/fact',
      tags: ['catfact'],
      chaos: 'catFact',
      query: catFactQuery,
      response: catFactSchema,
      handler: ({ query }) => catFact(query.seed ?? served++),
    }),
    defineRoute({
      method: 'get',
      path: '/public-apis/requests',
      operationId: 'listRecordedRequests',
      summary: 'The requests served, with start and end times (the last 10,000, in memory)',
      tags: ['public-apis'],
      query: requestsQuery,
      response: requestsSchema,
      handler: ({ query }) => ({ requests: log.list(query) }),
    }),
  ];
}
