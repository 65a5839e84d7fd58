import { addressSchema, lineItemSchema, orderIdSchema } from '@fake-stripe/kernel';
import { z } from 'zod';

const labelId = z.string().min(1).max(100);

export const createLabelBody = z
  .object({ orderId: orderIdSchema, address: addressSchema, items: z.array(lineItemSchema).min(1).max(100) })
  .strict()
  .meta({ id: 'CreateLabelRequest' });
export const cancelBody = z.object({ labelId }).strict().meta({ id: 'CancelLabelRequest' });

export const labelSchema = z
  .object({
    labelId,
    orderId: z.string(),
    trackingNumber: z.string(),
    carrier: z.string(),
    status: z.enum(['pending', 'created', 'cancelled']).meta({
      description: 'pending: the carrier is still making it (until readyAt); created; cancelled',
    }),
    address: addressSchema,
    items: z.array(lineItemSchema),
    createdAt: z.string().meta({ description: 'When the label job started' }),
    readyAt: z.string().meta({ description: 'When the label is (or was) ready' }),
    cancelledAt: z.string().nullable(),
  })
  .meta({ id: 'Label' });
export const ledgerSchema = z
  .object({ orderId: z.string(), labels: z.array(labelSchema) })
  .meta({ id: 'ShippingLedger' });
