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

export const reservationSchema = z
  .object({
    reservationId,
    orderId: z.string(),
    status: z.enum(['reserved', 'released']),
    items: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
    createdAt: z.string(),
    releasedAt: z.string().nullable(),
  })
  .meta({ id: 'Reservation' });
export const stockSchema = z
  .object({ sku: z.string(), name: z.string(), total: z.number().int(), available: z.number().int() })
  .meta({ id: 'Stock' });
export const stockListSchema = z
  .object({ items: z.array(stockSchema.extend({ reserved: z.number().int() })) })
  .meta({ id: 'StockList' });
export const ledgerSchema = z
  .object({ orderId: z.string(), reservations: z.array(reservationSchema) })
  .meta({ id: 'InventoryLedger' });
