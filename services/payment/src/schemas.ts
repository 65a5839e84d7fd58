import {
  authorizationIdSchema as authorizationId,
  captureIdSchema as captureId,
  currencySchema,
  customerIdSchema,
  minorUnitsSchema,
  orderIdSchema,
} from '@fake-stripe/kernel';
import { z } from 'zod';

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

export { captureSchema, holdSchema, paymentLedgerSchema as ledgerSchema, refundSchema } from '@fake-stripe/kernel';
