/**
 * The one client of the three public APIs (ip-api, Open-Meteo and catfact.ninja; this package's
 * stand-in by default), used by the REST aggregator and by userContextWorkflow's activities. It reads
 * only the fields it needs, picked from the shapes the stand-in serves (schemas.ts), and validates
 * them. One timeout per source bounds the whole call (answer and body); no retries here: the
 * aggregator answers a null field instead, the workflow's retry policy owns retrying. ky's errors
 * become an AppError here, once, with a message that says why in a few words.
 *
 * Exported as `@fake-stripe/public-apis/client`: it imports neither koa nor the stand-in's routes.
 */
import { AppError, correlationId as ambientCorrelationId } from '@fake-stripe/kernel';
import type { UserContextSource, UserLocation, UserWeather } from '@fake-stripe/kernel';
import ky, { HTTPError, TimeoutError } from 'ky';
import type { KyInstance } from 'ky';
import { z } from 'zod';
import { catFactSchema, currentWeatherSchema, ipApiFailSchema, ipApiSuccessSchema } from './schemas.ts';

export interface Upstream {
  /** Base URL: the stand-in's `/ipapi`, `/open-meteo`, `/catfact`, or the real API's. */
  url: string;
  timeoutMs: number;
}

/** One call's context. */
export interface CallOptions {
  /** Sent as X-Correlation-Id; the ambient one (the request's) when not given. */
  correlationId?: string | undefined;
  /** A chaos outcome to force on the upstream, sent as X-Chaos-Outcome. */
  chaosOutcome?: string | undefined;
  /** Aborts the call (a cancelled activity); the abort's reason is thrown as it is. */
  signal?: AbortSignal | undefined;
}

// What we read of each answer; anything else in it is ignored.
const locationAnswer = z.discriminatedUnion('status', [
  ipApiSuccessSchema.pick({
    status: true,
    city: true,
    regionName: true,
    country: true,
    countryCode: true,
    lat: true,
    lon: true,
    timezone: true,
  }),
  ipApiFailSchema.pick({ status: true, message: true }),
]);
const weatherAnswer = z.object({
  current_weather: currentWeatherSchema.pick({ temperature: true, windspeed: true, weathercode: true, time: true }),
});
const catFactAnswer = catFactSchema.pick({ fact: true });

/** ip-api's `fail` answer (a private, reserved or unknown address): final, asking again changes nothing. */
export const LOCATION_FAILED = 'location_failed';

const upstreamError = (code: string, message: string, cause?: unknown): AppError =>
  new AppError({ type: 'api_error', code, status: 502, message, cause });

/** ky's error as a short reason: `timeout after 2000 ms`, `HTTP 429 rate_limited`, `network error: …`. */
function toUpstreamError(err: unknown, upstream: Upstream): AppError {
  if (err instanceof TimeoutError)
    return upstreamError('upstream_timeout', `timeout after ${upstream.timeoutMs} ms`, err);
  if (err instanceof HTTPError) {
    // The stand-in answers the one error shape; Open-Meteo answers {error: true, reason}.
    const data = err.data as { error?: { code?: unknown }; reason?: unknown } | undefined;
    const detail =
      typeof data?.error?.code === 'string'
        ? data.error.code
        : typeof data?.reason === 'string'
          ? data.reason
          : err.response.statusText;
    return upstreamError('upstream_http_error', `HTTP ${err.response.status}${detail ? ` ${detail}` : ''}`, err);
  }
  if ((err as { name?: unknown } | null)?.name === 'SyntaxError')
    return upstreamError('upstream_invalid_response', 'invalid response: not JSON', err);
  return upstreamError('upstream_unreachable', `network error: ${rootCause(err)}`, err);
}

/**
 * The innermost cause (ky's NetworkError → fetch's TypeError → the socket's error), in a few words.
 * Duck-typed: fetch's errors may come from another realm (a test's VM context), where `instanceof`
 * Error is false.
 */
function rootCause(err: unknown): string {
  type ErrorLike = { message?: unknown; code?: unknown; cause?: unknown };
  const isErrorLike = (e: unknown): e is ErrorLike => typeof e === 'object' && e !== null && 'message' in e;
  let inner = err;
  while (isErrorLike(inner) && isErrorLike(inner.cause)) inner = inner.cause;
  if (!isErrorLike(inner)) return String(inner);
  const message = String(inner.message);
  return typeof inner.code === 'string' && !message.includes(inner.code) ? `${message} (${inner.code})` : message;
}

export interface PublicApisClient {
  /** Where an IP is; throws `location_failed` when ip-api answers `fail`. */
  location(ip: string, call?: CallOptions): Promise<UserLocation>;
  /** The current weather at a place. */
  weather(at: { lat: number; lon: number }, call?: CallOptions): Promise<UserWeather>;
  /** A cat fact. */
  catFact(call?: CallOptions): Promise<string>;
}

export function createPublicApisClient(upstreams: Record<UserContextSource, Upstream>): PublicApisClient {
  const clients = {} as Record<UserContextSource, KyInstance>;
  for (const [name, upstream] of Object.entries(upstreams) as Array<[UserContextSource, Upstream]>)
    clients[name] = ky.create({
      prefix: upstream.url,
      retry: 0,
      timeout: upstream.timeoutMs,
      totalTimeout: upstream.timeoutMs,
    });

  async function get<S extends z.ZodType>(
    name: UserContextSource,
    path: string,
    schema: S,
    call: CallOptions,
    searchParams?: Record<string, string | number>,
  ): Promise<z.output<S>> {
    const headers = {
      'X-Correlation-Id': call.correlationId ?? ambientCorrelationId(),
      ...(call.chaosOutcome && { 'X-Chaos-Outcome': call.chaosOutcome }),
    };
    let body: unknown;
    try {
      body = await clients[name]
        .get(path, { headers, ...(searchParams && { searchParams }), ...(call.signal && { signal: call.signal }) })
        .json();
    } catch (err) {
      if (call.signal?.aborted) throw call.signal.reason ?? err;
      throw toUpstreamError(err, upstreams[name]);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw upstreamError(
        'upstream_invalid_response',
        `invalid response: ${issue ? `${issue.path.join('.') || 'body'} ${issue.message}` : 'unexpected shape'}`,
      );
    }
    return parsed.data;
  }

  return {
    async location(ip, call = {}) {
      // The path segment is encoded; a validated IP is only hex digits, dots and colons anyway.
      const answer = await get('location', `json/${encodeURIComponent(ip)}`, locationAnswer, call);
      // ip-api answers 200 with status "fail" for private, reserved or unknown addresses.
      if (answer.status === 'fail') throw upstreamError(LOCATION_FAILED, answer.message);
      const { city, regionName, country, countryCode, lat, lon, timezone } = answer;
      return { city, region: regionName, country, countryCode, lat, lon, timezone };
    },
    async weather(at, call = {}) {
      const answer = await get('weather', 'v1/forecast', weatherAnswer, call, {
        latitude: at.lat,
        longitude: at.lon,
        current_weather: 'true',
      });
      const { temperature, windspeed, weathercode, time } = answer.current_weather;
      return { temperature, windspeed, weathercode, time };
    },
    async catFact(call = {}) {
      return (await get('catFact', 'fact', catFactAnswer, call)).fact;
    },
  };
}
