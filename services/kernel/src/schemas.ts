import { z } from 'zod';

/** Shared contract pieces used by several services' schemas. */
export const orderIdSchema = z.string().trim().min(1).max(64).meta({ description: 'Order id, e.g. ORD-001' });
export const customerIdSchema = z.string().trim().min(1).max(64);
export const skuSchema = z.string().trim().min(1).max(64).meta({ description: 'Catalog SKU, e.g. ITEM-001' });
/** Integer minor units (cents): no fractions, no negatives. */
export const minorUnitsSchema = z
  .number()
  .int()
  .positive()
  .max(100_000_000_00)
  .meta({ description: 'Amount in integer minor units (cents)' });
export const currencySchema = z
  .string()
  .regex(/^[a-z]{3}$/, 'a three-letter lowercase ISO currency code')
  .default('usd');
export const addressSchema = z
  .object({
    street: z.string().trim().min(1).max(200),
    city: z.string().trim().min(1).max(100),
    state: z.string().trim().min(1).max(100),
    zip: z.string().trim().min(1).max(20),
    country: z.string().regex(/^[A-Z]{2}$/, 'a two-letter ISO country code'),
  })
  .strict()
  .meta({ id: 'Address' });
export const lineItemSchema = z
  .object({ sku: skuSchema, quantity: z.number().int().positive().max(10_000) })
  .strict()
  .meta({ id: 'LineItem' });
export const orderQuerySchema = z.object({ orderId: orderIdSchema }).strict();
