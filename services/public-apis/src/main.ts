import { createService, envInt, loadEnv, localPorts, runService, serviceEnvSchema } from '@fake-stripe/kernel';
import type { Service } from '@fake-stripe/kernel';
import { createRequestLog } from './request-log.ts';
import { publicApisChaos, publicApisRoutes, recordRequests } from './routes.ts';

export const envSchema = serviceEnvSchema.extend({
  PORT: envInt(localPorts['public-apis']),
  /** How many served requests `GET /public-apis/requests` keeps. */
  REQUEST_LOG_SIZE: envInt(10_000).refine((n) => n > 0, 'must be at least 1'),
});

/**
 * Wiring: the stand-ins of ip-api, Open-Meteo and catfact.ninja, each with its own chaos operation,
 * and the recorder of every request they serve. No store: the data is a function of the input (and,
 * for the weather, of `now`'s hour: a test fixes the clock to compare answers).
 */
export function createPublicApisService(env = loadEnv(envSchema), options: { now?: () => Date } = {}): Service {
  const log = createRequestLog(env.REQUEST_LOG_SIZE);
  return createService({
    name: 'public-apis',
    prefix: '/public-apis',
    env,
    routes: publicApisRoutes(log, options.now),
    chaos: publicApisChaos,
    middleware: [recordRequests(log)],
  });
}

if (import.meta.main) await runService(createPublicApisService(loadEnv(envSchema)));

export type { RequestRecord } from './request-log.ts';
