import { currencySchema, customerIdSchema, minorUnitsSchema, orderIdSchema } from '@fake-stripe/kernel';
import { z } from 'zod';

const authorizationId = z.string().min(1).max(100);
const captureId = z.string().min(1).max(100);

export const authorizeBody = z
  .object({ orderId: orderIdSchema, customerId: customerIdSchema, amount: minorUnitsSchema, currency: currencySchema })
  .strict()
  .meta({ id: 'AuthorizeRequest' });
export const captureBody = z
  .object({ authorizationId, amount: minorUnitsSchema.optional() })
  .strict()
  .meta({ id: 'CaptureRequest' });
export const releaseBody = z.object({ authorizationId }).strict().meta({ id: 'ReleaseRequest' });
export const refundBody = z
  .object({ captureId, amount: minorUnitsSchema.optional() })
  .strict()
  .meta({ id: 'RefundRequest' });

export const holdSchema = z
  .object({
    authorizationId,
    orderId: z.string(),
    customerId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    status: z.enum(['authorized', 'captured', 'released']),
    createdAt: z.string(),
  })
  .meta({ id: 'Authorization' });
export const captureSchema = z
  .object({ captureId, authorizationId, orderId: z.string(), amount: z.number().int(), createdAt: z.string() })
  .meta({ id: 'Capture' });
export const refundSchema = z
  .object({ refundId: z.string(), captureId, orderId: z.string(), amount: z.number().int(), createdAt: z.string() })
  .meta({ id: 'Refund' });
export const ledgerSchema = z
  .object({
    orderId: z.string(),
    authorizations: z.array(holdSchema),
    captures: z.array(captureSchema),
    refunds: z.array(refundSchema),
  })
  .meta({ id: 'PaymentLedger' });
