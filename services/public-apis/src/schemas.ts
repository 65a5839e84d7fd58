/**
 * The three public APIs' shapes, declared once: the stand-in answers them (and documents them in
 * OpenAPI), the client (client.ts) reads its fields from them.
 */
import { ipSchema, userContextSources } from '@fake-stripe/kernel';
import { z } from 'zod';

// The real APIs ignore query parameters they do not know; so do these stand-ins (no `.strict()`).

export const ipParams = z.object({
  ip: ipSchema.meta({ description: 'The IP address to locate', example: '8.8.8.8' }),
});

export const ipApiSuccessSchema = z.object({
  status: z.literal('success'),
  country: z.string(),
  countryCode: z.string(),
  region: z.string(),
  regionName: z.string(),
  city: z.string(),
  zip: z.string(),
  lat: z.number(),
  lon: z.number(),
  timezone: z.string(),
  isp: z.string(),
  org: z.string(),
  as: z.string(),
  query: z.string(),
});
/** ip-api answers 200 with this for private, reserved or unknown addresses. */
export const ipApiFailSchema = z.object({
  status: z.literal('fail'),
  message: z.string().meta({ description: '`private range` or `reserved range`' }),
  query: z.string(),
});
export const ipApiAnswerSchema = z
  .discriminatedUnion('status', [ipApiSuccessSchema, ipApiFailSchema])
  .meta({ id: 'IpApiAnswer', description: 'ip-api.com /json/{query} shape' });
export type IpApiAnswer = z.infer<typeof ipApiAnswerSchema>;

/** A decimal number in a query string, within ±limit. */
const coordinate = (limit: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/, 'must be a decimal number')
    .transform(Number)
    .pipe(z.number().min(-limit).max(limit));

export const forecastQuery = z.object({
  latitude: coordinate(90).meta({ description: 'WGS84 latitude, -90 to 90', example: '52.52' }),
  longitude: coordinate(180).meta({ description: 'WGS84 longitude, -180 to 180', example: '13.41' }),
  current_weather: z.enum(['true', 'false']).default('false').meta({ description: 'Include `current_weather`' }),
});

export const currentWeatherSchema = z.object({
  time: z.string(),
  interval: z.number(),
  temperature: z.number(),
  windspeed: z.number(),
  winddirection: z.number(),
  is_day: z.union([z.literal(0), z.literal(1)]),
  weathercode: z.number(),
});
export const forecastSchema = z
  .object({
    latitude: z.number(),
    longitude: z.number(),
    generationtime_ms: z.number(),
    utc_offset_seconds: z.number(),
    timezone: z.literal('GMT'),
    timezone_abbreviation: z.literal('GMT'),
    elevation: z.number(),
    current_weather_units: z.record(z.string(), z.string()).optional(),
    current_weather: currentWeatherSchema.optional(),
  })
  .meta({ id: 'OpenMeteoForecast', description: 'api.open-meteo.com /v1/forecast shape' });
export type Forecast = z.infer<typeof forecastSchema>;
export type CurrentWeather = z.infer<typeof currentWeatherSchema>;

export const catFactQuery = z.object({
  seed: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'The same seed gives the same fact; without one, facts go round robin' }),
});
export const catFactSchema = z
  .object({ fact: z.string(), length: z.number().int() })
  .meta({ id: 'CatFact', description: 'catfact.ninja /fact shape' });
export type CatFact = z.infer<typeof catFactSchema>;

export const requestsQuery = z
  .object({
    correlationId: z.string().min(1).max(200).optional(),
    api: z.enum(userContextSources).optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
  })
  .strict();
export const requestsSchema = z
  .object({
    requests: z.array(
      z.object({
        api: z.enum(userContextSources),
        path: z.string(),
        correlationId: z.string(),
        startedAt: z.number().meta({ description: 'Epoch ms with fractions' }),
        endedAt: z.number().nullable().meta({ description: 'Answer ready or caller gone; null while in flight' }),
        status: z.number().int().nullable().meta({ description: 'null while in flight or when nothing was sent' }),
        outcome: z.string().optional().meta({ description: 'The chaos outcome' }),
      }),
    ),
  })
  .meta({ id: 'RecordedRequests' });
