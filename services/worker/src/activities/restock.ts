import { stockListSchema } from '@fake-stripe/kernel';
import type { DomainClient, RestockInput, RestockResult } from '@fake-stripe/kernel';
import { classify } from './calls.ts';

/**
 * Tops up every SKU whose available stock is below the threshold, through the inventory service's
 * admin endpoint `POST /inventory/restock` (`inventory` carries ADMIN_TOKEN). The endpoint adds units
 * and keeps no idempotency key, so each attempt reads the stock first and adds only what is missing
 * now: a retry after a lost answer sees the units it added and adds nothing twice.
 */
export function restockActivities({ inventory }: { inventory: DomainClient }) {
  return {
    async restockLowStock(policy: RestockInput): Promise<RestockResult> {
      const { items } = stockListSchema.parse(await inventory.get<unknown>('/inventory/stock').catch(classify));
      const low = items.filter((i) => i.available < policy.threshold);
      const restocked: RestockResult['restocked'] = [];
      for (const item of low) {
        const added = policy.targetLevel - item.available;
        await inventory.post('/inventory/restock', { sku: item.sku, quantity: added }).catch(classify);
        restocked.push({ sku: item.sku, available: item.available, added });
      }
      return { checkedSkus: items.length, restocked };
    },
  };
}
