import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { AppError } from '@fake-stripe/kernel';
import type { UserLocation, UserWeather } from '@fake-stripe/kernel';
import { LOCATION_FAILED } from '@fake-stripe/public-apis/client';
import type { PublicApisClient } from '@fake-stripe/public-apis/client';

/**
 * userContextWorkflow's activities: the public-APIs client the REST aggregator uses too (validated
 * answers, one timeout per call, errors phrased in a few words). A cancelled activity aborts its call.
 */
export function createUserContextActivities(apis: PublicApisClient) {
  const call = (correlationId?: string) => ({ correlationId, signal: Context.current().cancellationSignal });
  return {
    async getCurrentLocation(c: { ip: string; correlationId?: string }): Promise<UserLocation> {
      try {
        return await apis.location(c.ip, call(c.correlationId));
      } catch (err) {
        // ip-api's "fail" (a private or unknown address) is its answer, not a fault: not retried.
        if (err instanceof AppError && err.code === LOCATION_FAILED)
          throw ApplicationFailure.nonRetryable(err.message, LOCATION_FAILED);
        throw err;
      }
    },
    async getWeather(c: { lat: number; lon: number; correlationId?: string }): Promise<UserWeather> {
      return apis.weather({ lat: c.lat, lon: c.lon }, call(c.correlationId));
    },
    async getCatFact(c: { correlationId?: string }): Promise<string> {
      return apis.catFact(call(c.correlationId));
    },
  };
}
export type UserContextActivities = ReturnType<typeof createUserContextActivities>;
