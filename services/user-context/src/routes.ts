import { badRequest, correlationId, defineRoute, userContextSchema } from '@fake-stripe/kernel';
import type { Route } from '@fake-stripe/kernel';
import type { PublicApisClient } from '@fake-stripe/public-apis/client';
import type { UserContextEnv } from './config.ts';
import { aggregate } from './domain.ts';
import { forcingHeaders, userContextQuery } from './schemas.ts';

const forcingHeaderNames = {
  location: 'X-Chaos-Outcome-Location',
  weather: 'X-Chaos-Outcome-Weather',
  catFact: 'X-Chaos-Outcome-CatFact',
} as const;

export function userContextRoutes(env: UserContextEnv, client: PublicApisClient): Route[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/user-context',
      operationId: 'getUserContext',
      summary: "A user's location by IP, the weather there and a cat fact",
      description:
        'A failed or timed-out source is `null` with an entry in `sources` saying why; an upstream ' +
        'failure never makes this a 5xx. Weather needs the location, so it is null when location is. ' +
        'The same strategies and answer as userContextWorkflow (`POST /api/v1/workflows/user-context` on the API).',
      tags: ['user-context'],
      query: userContextQuery,
      headers: forcingHeaders,
      response: userContextSchema,
      errors: { 400: 'Bad strategy or ip, or a forcing header that is not accepted' },
      handler: async ({ query, headers }) => {
        const forced = {
          location: headers['x-chaos-outcome-location'],
          weather: headers['x-chaos-outcome-weather'],
          catFact: headers['x-chaos-outcome-catfact'],
        };
        if (!env.ALLOW_CHAOS_FORCING) {
          const source = (Object.keys(forced) as Array<keyof typeof forced>).find((s) => forced[s] !== undefined);
          if (source)
            throw badRequest(
              'chaos_forcing_disabled',
              `${forcingHeaderNames[source]} is not accepted: forcing is disabled on this service.`,
              forcingHeaderNames[source],
            );
        }
        const id = correlationId();
        return aggregate(query.ip, query.strategy, {
          location: () => client.location(query.ip, { correlationId: id, chaosOutcome: forced.location }),
          weather: (at) => client.weather(at, { correlationId: id, chaosOutcome: forced.weather }),
          catFact: () => client.catFact({ correlationId: id, chaosOutcome: forced.catFact }),
        });
      },
    }),
  ];
}
