import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { UserLocation, UserWeather } from '@fake-stripe/kernel';
import type { DomainClient } from '../domain-client.ts';

export interface PublicApis {
  location: DomainClient;
  weather: DomainClient;
  catFact: DomainClient;
}

interface IpApiAnswer {
  status: 'success' | 'fail';
  message?: string;
  city: string;
  regionName: string;
  country: string;
  countryCode: string;
  lat: number;
  lon: number;
  timezone: string;
}

interface OpenMeteoAnswer {
  current_weather: { temperature: number; windspeed: number; weathercode: number; time: string };
}

/**
 * userContextWorkflow's activities: the three public APIs (ip-api, Open-Meteo and catfact.ninja
 * shapes; the public-apis stand-in locally). Upstream base URLs are configuration.
 */
export function createUserContextActivities(apis: PublicApis) {
  const options = (correlationId?: string) => ({
    ...(correlationId && { correlationId }),
    signal: Context.current().cancellationSignal,
  });
  return {
    async getCurrentLocation(c: { ip: string; correlationId?: string }): Promise<UserLocation> {
      const a = await apis.location.get<IpApiAnswer>(`/json/${encodeURIComponent(c.ip)}`, options(c.correlationId));
      // ip-api answers 200 with status "fail" for private or unknown addresses: final, not retried.
      if (a.status !== 'success')
        throw ApplicationFailure.nonRetryable(a.message ?? 'location lookup failed', 'location_failed');
      return {
        city: a.city,
        region: a.regionName,
        country: a.country,
        countryCode: a.countryCode,
        lat: a.lat,
        lon: a.lon,
        timezone: a.timezone,
      };
    },
    async getWeather(c: { lat: number; lon: number; correlationId?: string }): Promise<UserWeather> {
      const q = new URLSearchParams({ latitude: String(c.lat), longitude: String(c.lon), current_weather: 'true' });
      const a = await apis.weather.get<OpenMeteoAnswer>(`/v1/forecast?${q}`, options(c.correlationId));
      const { temperature, windspeed, weathercode, time } = a.current_weather;
      return { temperature, windspeed, weathercode, time };
    },
    async getCatFact(c: { correlationId?: string }): Promise<string> {
      return (await apis.catFact.get<{ fact: string }>('/fact', options(c.correlationId))).fact;
    },
  };
}
export type UserContextActivities = ReturnType<typeof createUserContextActivities>;
