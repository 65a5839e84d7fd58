import { envInt, envUrl, localPorts, localUrl, serviceEnvSchema } from '@fake-stripe/kernel';
import type { z } from 'zod';

const timeoutMs = (fallback: number) => envInt(fallback).refine((n) => n > 0, 'must be at least 1 ms');

/**
 * user-context's environment (blank counts as unset). The base URLs default to the public-apis
 * stand-in; their paths are the real APIs' paths, so `http://ip-api.com`, `https://api.open-meteo.com`
 * and `https://catfact.ninja` work as well.
 */
export const envSchema = serviceEnvSchema.extend({
  PORT: envInt(localPorts['user-context']),
  LOCATION_API_URL: envUrl(localUrl('public-apis', '/ipapi')),
  WEATHER_API_URL: envUrl(localUrl('public-apis', '/open-meteo')),
  CATFACT_API_URL: envUrl(localUrl('public-apis', '/catfact')),
  /** Client timeout of one call to each source (the whole call: answer and body). */
  LOCATION_TIMEOUT_MS: timeoutMs(2_000),
  WEATHER_TIMEOUT_MS: timeoutMs(2_000),
  CATFACT_TIMEOUT_MS: timeoutMs(2_000),
});
export type UserContextEnv = z.infer<typeof envSchema>;
