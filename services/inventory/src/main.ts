import { join } from 'node:path';
import { createService, envInt, loadEnv, localPorts, openDb, runService, serviceEnvSchema } from '@fake-stripe/kernel';
import type { Service } from '@fake-stripe/kernel';
import { seedCatalog } from './domain.ts';
import { inventoryChaos, inventoryRoutes } from './routes.ts';
import { createInventoryStore } from './store.ts';

export const envSchema = serviceEnvSchema.extend({
  PORT: envInt(localPorts.inventory),
  /** Units of each seeded SKU (ITEM-001 … ITEM-020) when the database is created. */
  SEED_STOCK: envInt(1000),
});

export function createInventoryService(env = loadEnv(envSchema)): Service {
  const db = openDb(join(env.DATA_DIR, 'inventory.sqlite'));
  const store = createInventoryStore(db, seedCatalog(env.SEED_STOCK));
  return createService({
    name: 'inventory',
    prefix: '/inventory',
    env,
    db,
    routes: inventoryRoutes(store),
    chaos: inventoryChaos,
  });
}

if (import.meta.main) await runService(createInventoryService(loadEnv(envSchema)));
