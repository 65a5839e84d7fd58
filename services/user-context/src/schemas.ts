import { transportOutcomes } from '@fake-stripe/kernel';
import { z } from 'zod';

export const strategies = ['promise-allsettled', 'sequential', 'rxjs'] as const;
export type Strategy = (typeof strategies)[number];
export const sourceNames = ['location', 'weather', 'catFact'] as const;
export type SourceName = (typeof sourceNames)[number];

export const userContextQuery = z
  .object({
    strategy: z
      .enum(strategies)
      .default('promise-allsettled')
      .meta({
        description:
          '`promise-allsettled` and `rxjs` run location→weather beside the cat fact; `sequential` runs the ' +
          'three one after another',
      }),
    ip: z
      .union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' })
      .meta({ description: "The user's IP address", example: '8.8.8.8' }),
  })
  .strict();

const forcedOutcome = (source: string) =>
  z
    .enum(transportOutcomes)
    .optional()
    .meta({ description: `Forwarded as X-Chaos-Outcome to the ${source} API (when forcing is allowed)` });
/** Test and scenario hooks: force one upstream's chaos outcome (header names are lower-case). */
export const forcingHeaders = z.object({
  'x-chaos-outcome-location': forcedOutcome('location'),
  'x-chaos-outcome-weather': forcedOutcome('weather'),
  'x-chaos-outcome-catfact': forcedOutcome('cat fact'),
});

export const locationSchema = z
  .object({
    city: z.string(),
    region: z.string(),
    country: z.string(),
    countryCode: z.string(),
    lat: z.number(),
    lon: z.number(),
    timezone: z.string(),
  })
  .meta({ id: 'UserLocation' });
export type Location = z.infer<typeof locationSchema>;

export const weatherSchema = z
  .object({ temperature: z.number(), windspeed: z.number(), weathercode: z.number(), time: z.string() })
  .meta({ id: 'UserWeather' });
export type Weather = z.infer<typeof weatherSchema>;

const sourceOutcome = z
  .object({
    ok: z.boolean(),
    ms: z.number().meta({ description: 'Time spent on this source; 0 when it was not called' }),
    error: z.string().optional().meta({ description: 'Why the field is null' }),
  })
  .meta({ id: 'SourceOutcome' });

export const userContextSchema = z
  .object({
    ip: z.string(),
    strategy: z.enum(strategies),
    location: locationSchema.nullable(),
    weather: weatherSchema.nullable(),
    catFact: z.string().nullable(),
    sources: z.object({ location: sourceOutcome, weather: sourceOutcome, catFact: sourceOutcome }),
    totalMs: z.number(),
  })
  .meta({ id: 'UserContext' });
export type UserContext = z.infer<typeof userContextSchema>;
export type SourceOutcome = z.infer<typeof sourceOutcome>;
