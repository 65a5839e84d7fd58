import { join } from 'node:path';
import { createService, envInt, loadEnv, localPorts, openDb, runService, serviceEnvSchema } from '@fake-stripe/kernel';
import type { Service } from '@fake-stripe/kernel';
import { answerWhenReady, shippingChaos, shippingRoutes } from './routes.ts';
import { createShippingStore } from './store.ts';

export const envSchema = serviceEnvSchema.extend({ PORT: envInt(localPorts.shipping) });

export function createShippingService(env = loadEnv(envSchema)): Service {
  const db = openDb(join(env.DATA_DIR, 'shipping.sqlite'));
  const store = createShippingStore(db);
  return createService({
    name: 'shipping',
    prefix: '/shipping',
    env,
    db,
    routes: shippingRoutes(store),
    chaos: shippingChaos,
    middleware: [answerWhenReady(store)],
  });
}

if (import.meta.main) await runService(createShippingService(loadEnv(envSchema)));
