import { createService, loadEnv, runService } from '@fake-stripe/kernel';
import type { Service } from '@fake-stripe/kernel';
import { createPublicApisClient } from '@fake-stripe/public-apis/client';
import { envSchema } from './config.ts';
import type { UserContextEnv } from './config.ts';
import { userContextRoutes } from './routes.ts';

export { envSchema };

/**
 * Wiring: config → the public-APIs client (one timeout per source) → koa app. No store and no chaos of its own; readiness
 * does not depend on the upstreams, because answering with null fields when they fail is the point.
 */
export function createUserContextService(env: UserContextEnv = loadEnv(envSchema)): Service {
  const client = createPublicApisClient({
    location: { url: env.LOCATION_API_URL, timeoutMs: env.LOCATION_TIMEOUT_MS },
    weather: { url: env.WEATHER_API_URL, timeoutMs: env.WEATHER_TIMEOUT_MS },
    catFact: { url: env.CATFACT_API_URL, timeoutMs: env.CATFACT_TIMEOUT_MS },
  });
  return createService({
    name: 'user-context',
    prefix: '/user-context',
    env,
    routes: userContextRoutes(env, client),
  });
}

if (import.meta.main) await runService(createUserContextService(loadEnv(envSchema)));
