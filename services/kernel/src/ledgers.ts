import { z } from 'zod';
import { addressSchema, lineItemSchema } from './schemas.ts';

/**
 * The domains' ledgers as their services answer them: each service serves these, the worker's
 * compensations read them to undo what really happened, and the auditor checks them. Amounts are
 * integer minor units.
 */

/** The payment ledger's ids, as the payment service's requests take them too. */
export const authorizationIdSchema = z.string().min(1).max(100);
export const captureIdSchema = z.string().min(1).max(100);

export const holdStatuses = ['authorized', 'captured', 'released'] as const;
export type HoldStatus = (typeof holdStatuses)[number];

export const holdSchema = z
  .object({
    authorizationId: authorizationIdSchema,
    orderId: z.string(),
    customerId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    status: z.enum(holdStatuses),
    createdAt: z.string(),
  })
  .meta({ id: 'Authorization' });
export type Hold = z.infer<typeof holdSchema>;

export const captureSchema = z
  .object({
    captureId: captureIdSchema,
    authorizationId: authorizationIdSchema,
    orderId: z.string(),
    amount: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'Capture' });
export type Capture = z.infer<typeof captureSchema>;

export const refundSchema = z
  .object({
    refundId: z.string(),
    captureId: captureIdSchema,
    orderId: z.string(),
    amount: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'Refund' });
export type Refund = z.infer<typeof refundSchema>;

export const paymentLedgerSchema = z
  .object({
    orderId: z.string(),
    authorizations: z.array(holdSchema),
    captures: z.array(captureSchema),
    refunds: z.array(refundSchema),
  })
  .meta({ id: 'PaymentLedger' });
export type PaymentLedger = z.infer<typeof paymentLedgerSchema>;

export const reservationSchema = z
  .object({
    reservationId: z.string().min(1).max(100),
    orderId: z.string(),
    status: z.enum(['reserved', 'released']),
    items: z.array(z.object({ sku: z.string(), quantity: z.number().int() })),
    createdAt: z.string(),
    releasedAt: z.string().nullable(),
  })
  .meta({ id: 'Reservation' });
export type Reservation = z.infer<typeof reservationSchema>;

export const inventoryLedgerSchema = z
  .object({ orderId: z.string(), reservations: z.array(reservationSchema) })
  .meta({ id: 'InventoryLedger' });
export type InventoryLedger = z.infer<typeof inventoryLedgerSchema>;

export const stockSchema = z
  .object({ sku: z.string(), name: z.string(), total: z.number().int(), available: z.number().int() })
  .meta({ id: 'Stock' });
/** Units ever put in stock (seed + restocks): total = available + reserved (the auditor checks it). */
export type Stock = z.infer<typeof stockSchema>;
export const stockListSchema = z
  .object({ items: z.array(stockSchema.extend({ reserved: z.number().int() })) })
  .meta({ id: 'StockList' });
export type StockItem = z.infer<typeof stockListSchema>['items'][number];

/**
 * Shipping labels: a label is a job at the carrier that takes the label time. It is stored as
 * `pending` when the request comes in and is `created` once its time has passed, whether or not its
 * caller is still connected; a cancel stops it (pending) or voids it (created), idempotently.
 */
export const labelStatuses = ['pending', 'created', 'cancelled'] as const;
export type LabelStatus = (typeof labelStatuses)[number];

export const labelSchema = z
  .object({
    labelId: z.string().min(1).max(100),
    orderId: z.string(),
    trackingNumber: z.string(),
    carrier: z.string(),
    status: z.enum(labelStatuses).meta({
      description: 'pending: the carrier is still making it (until readyAt); created; cancelled',
    }),
    address: addressSchema,
    items: z.array(lineItemSchema),
    createdAt: z.string().meta({ description: 'When the label job started' }),
    readyAt: z.string().meta({ description: 'When the label is (or was) ready' }),
    cancelledAt: z.string().nullable(),
  })
  .meta({ id: 'Label' });
export type Label = z.infer<typeof labelSchema>;

export const shippingLedgerSchema = z
  .object({ orderId: z.string(), labels: z.array(labelSchema) })
  .meta({ id: 'ShippingLedger' });
export type ShippingLedger = z.infer<typeof shippingLedgerSchema>;

/** Notifications: recorded with recipient, template and order id, so a send can be checked; never really sent. */
export const channels = ['email', 'sms'] as const;
export type Channel = (typeof channels)[number];

export const notificationSchema = z
  .object({
    notificationId: z.string(),
    orderId: z.string(),
    channel: z.enum(channels),
    to: z.string(),
    template: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Notification' });
export type Notification = z.infer<typeof notificationSchema>;

export const notificationLedgerSchema = z
  .object({ orderId: z.string(), notifications: z.array(notificationSchema) })
  .meta({ id: 'NotificationLedger' });
export type NotificationLedger = z.infer<typeof notificationLedgerSchema>;
