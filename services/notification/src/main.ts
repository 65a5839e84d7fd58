import { join } from 'node:path';
import { createService, envInt, loadEnv, localPorts, openDb, runService, serviceEnvSchema } from '@fake-stripe/kernel';
import type { Service } from '@fake-stripe/kernel';
import { notificationChaos, notificationRoutes } from './routes.ts';
import { createNotificationStore } from './store.ts';

export const envSchema = serviceEnvSchema.extend({ PORT: envInt(localPorts.notification) });

export function createNotificationService(env = loadEnv(envSchema)): Service {
  const db = openDb(join(env.DATA_DIR, 'notification.sqlite'));
  return createService({
    name: 'notification',
    prefix: '/notification',
    env,
    db,
    routes: notificationRoutes(createNotificationStore(db)),
    chaos: notificationChaos,
  });
}

if (import.meta.main) await runService(createNotificationService(loadEnv(envSchema)));
