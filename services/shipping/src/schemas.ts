import { addressSchema, lineItemSchema, orderIdSchema } from '@fake-stripe/kernel';
import { z } from 'zod';

const labelId = z.string().min(1).max(100);

export const createLabelBody = z
  .object({ orderId: orderIdSchema, address: addressSchema, items: z.array(lineItemSchema).min(1).max(100) })
  .strict()
  .meta({ id: 'CreateLabelRequest' });
export const cancelBody = z.object({ labelId }).strict().meta({ id: 'CancelLabelRequest' });

export { labelSchema, shippingLedgerSchema as ledgerSchema } from '@fake-stripe/kernel';
