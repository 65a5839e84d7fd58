import { lineItemSchema, orderIdSchema, skuSchema } from '@fake-stripe/kernel';
import { z } from 'zod';

const reservationId = z.string().min(1).max(100);

export const reserveBody = z
  .object({ orderId: orderIdSchema, items: z.array(lineItemSchema).min(1).max(100) })
  .strict()
  .meta({ id: 'ReserveRequest' });
export const releaseBody = z.object({ reservationId }).strict().meta({ id: 'InventoryReleaseRequest' });
export const restockBody = z
  .object({
    sku: skuSchema,
    quantity: z.number().int().positive().max(1_000_000),
    name: z.string().min(1).max(200).optional(),
  })
  .strict()
  .meta({ id: 'RestockRequest' });

export {
  inventoryLedgerSchema as ledgerSchema,
  reservationSchema,
  stockListSchema,
  stockSchema,
} from '@fake-stripe/kernel';
