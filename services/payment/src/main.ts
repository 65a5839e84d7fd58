import { join } from 'node:path';
import { createService, envInt, loadEnv, localPorts, openDb, runService, serviceEnvSchema } from '@fake-stripe/kernel';
import type { Service } from '@fake-stripe/kernel';
import { paymentChaos, paymentRoutes } from './routes.ts';
import { createPaymentStore } from './store.ts';

export const envSchema = serviceEnvSchema.extend({ PORT: envInt(localPorts.payment) });

/** Wiring: config → SQLite file → ledger store → koa app. */
export function createPaymentService(env = loadEnv(envSchema)): Service {
  const db = openDb(join(env.DATA_DIR, 'payment.sqlite'));
  const store = createPaymentStore(db);
  return createService({
    name: 'payment',
    prefix: '/payment',
    env,
    db,
    routes: paymentRoutes(store),
    chaos: paymentChaos,
  });
}

if (import.meta.main) await runService(createPaymentService(loadEnv(envSchema)));
