import { orderIdSchema } from '@fake-stripe/kernel';
import { z } from 'zod';
import { recipientProblem } from './domain.ts';

export const sendBody = z
  .object({
    orderId: orderIdSchema,
    channel: z.enum(['email', 'sms']),
    to: z.string().trim().min(1).max(320),
    template: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'a template name like order_shipped'),
  })
  .strict()
  .superRefine((body, ctx) => {
    const problem = recipientProblem(body.channel, body.to);
    if (problem) ctx.addIssue({ code: 'custom', path: ['to'], message: problem });
  })
  .meta({ id: 'SendNotificationRequest' });

export const notificationSchema = z
  .object({
    notificationId: z.string(),
    orderId: z.string(),
    channel: z.enum(['email', 'sms']),
    to: z.string(),
    template: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Notification' });
export const ledgerSchema = z
  .object({ orderId: z.string(), notifications: z.array(notificationSchema) })
  .meta({ id: 'NotificationLedger' });
