import { emailSchema, orderIdSchema } from '@fake-stripe/kernel';
import { z } from 'zod';

const template = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'a template name like order_shipped');
/**
 * The recipient's form depends on the channel, so each channel is its own variant: the OpenAPI
 * document then states which `to` each channel takes, instead of a refinement it cannot show.
 */
export const sendBody = z
  .discriminatedUnion('channel', [
    z
      .object({
        orderId: orderIdSchema,
        channel: z.literal('email'),
        to: emailSchema,
        template,
      })
      .strict(),
    z
      .object({
        orderId: orderIdSchema,
        channel: z.literal('sms'),
        to: z
          .string()
          .regex(/^\+[1-9][0-9]{6,14}$/, 'must be an E.164 phone number (e.g. +14155550100) for channel sms'),
        template,
      })
      .strict(),
  ])
  .meta({ id: 'SendNotificationRequest' });

export { notificationSchema, notificationLedgerSchema as ledgerSchema } from '@fake-stripe/kernel';
