/**
 * The three public APIs over HTTP with ky: ip-api, Open-Meteo and catfact.ninja shapes (the
 * public-apis stand-in by default). One timeout per source bounds the whole call; no retries: a slow or
 * failing source is a null field, not a longer wait. ky's errors become an AppError here, once, with a
 * message that says why in a few words.
 */
import { AppError } from '@fake-stripe/kernel';
import ky, { HTTPError, TimeoutError } from 'ky';
import type { KyInstance } from 'ky';
import { z } from 'zod';
import type { SourceName } from './schemas.ts';
import type { Sources } from './strategies.ts';

export interface Upstream {
  url: string;
  timeoutMs: number;
}

export interface CallContext {
  correlationId: string;
  /** Chaos outcomes to force on each upstream (sent as its X-Chaos-Outcome). */
  forced: Partial<Record<SourceName, string>>;
}

// What we read of each answer; anything else in it is ignored.
const ipApiAnswer = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    city: z.string(),
    regionName: z.string(),
    country: z.string(),
    countryCode: z.string(),
    lat: z.number(),
    lon: z.number(),
    timezone: z.string(),
  }),
  z.object({ status: z.literal('fail'), message: z.string().default('location lookup failed') }),
]);
const openMeteoAnswer = z.object({
  current_weather: z.object({
    temperature: z.number(),
    windspeed: z.number(),
    weathercode: z.number(),
    time: z.string(),
  }),
});
const catFactAnswer = z.object({ fact: z.string() });

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

export type PublicApisClient = ReturnType<typeof createPublicApisClient>;

export function createPublicApisClient(upstreams: Record<SourceName, Upstream>) {
  const clients = {} as Record<SourceName, KyInstance>;
  for (const [name, upstream] of Object.entries(upstreams) as Array<[SourceName, Upstream]>)
    clients[name] = ky.create({
      prefix: upstream.url,
      retry: 0,
      timeout: upstream.timeoutMs,
      totalTimeout: upstream.timeoutMs,
    });

  async function get<S extends z.ZodType>(
    name: SourceName,
    path: string,
    schema: S,
    call: CallContext,
    searchParams?: Record<string, string | number>,
  ): Promise<z.output<S>> {
    const forced = call.forced[name];
    const headers = { 'X-Correlation-Id': call.correlationId, ...(forced && { 'X-Chaos-Outcome': forced }) };
    let body: unknown;
    try {
      body = await clients[name].get(path, { headers, ...(searchParams && { searchParams }) }).json();
    } catch (err) {
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
    /** The three calls for one request: its IP, its correlation id and its forced outcomes. */
    sources(ip: string, call: CallContext): Sources {
      return {
        async location() {
          // A validated IP is only hex digits, dots and colons: safe as a path segment as it is.
          const answer = await get('location', `json/${ip}`, ipApiAnswer, call);
          // ip-api answers 200 with status "fail" for private, reserved or unknown addresses.
          if (answer.status === 'fail') throw upstreamError('location_failed', answer.message);
          const { city, regionName, country, countryCode, lat, lon, timezone } = answer;
          return { city, region: regionName, country, countryCode, lat, lon, timezone };
        },
        async weather(at) {
          const answer = await get('weather', 'v1/forecast', openMeteoAnswer, call, {
            latitude: at.lat,
            longitude: at.lon,
            current_weather: 'true',
          });
          const { temperature, windspeed, weathercode, time } = answer.current_weather;
          return { temperature, windspeed, weathercode, time };
        },
        async catFact() {
          return (await get('catFact', 'fact', catFactAnswer, call)).fact;
        },
      };
    },
  };
}
