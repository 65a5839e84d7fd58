/** The subscription routes' schemas; the request, state and invoices are the kernel's contracts. */
import {
  changePlanSchema,
  customerIdSchema,
  invoiceSchema,
  subscriptionIdSchema,
  subscriptionRequestSchema,
  subscriptionStateSchema,
  subscriptionStatuses,
} from '@fake-stripe/kernel';
import { z } from 'zod';
import { pageParams } from './schemas.ts';

export { changePlanSchema, subscriptionRequestSchema, subscriptionStateSchema };

export const subscriptionParams = z.object({ id: subscriptionIdSchema }).strict();

export const subscriptionResponse = z
  .object({
    workflowId: z.string(),
    runId: z.string().meta({ description: 'The current run (a new one after each continue-as-new)' }),
    subscription: subscriptionStateSchema,
    invoices: z
      .array(invoiceSchema)
      .meta({ description: "This run's invoices; earlier ones are in the payment ledger" }),
  })
  .meta({ id: 'Subscription' });

export const subscriptionSignalResponse = z
  .object({ workflowId: z.string(), signal: z.enum(['cancel', 'pause', 'resume']) })
  .meta({ id: 'SubscriptionSignalAccepted' });

export const listSubscriptionsQuery = z
  .object({ status: z.enum(subscriptionStatuses).optional(), customerId: customerIdSchema.optional(), ...pageParams })
  .strict();
export const subscriptionSummarySchema = z
  .object({
    subscriptionId: z.string(),
    workflowId: z.string(),
    runId: z.string(),
    customerId: z.string().nullable(),
    status: z
      .string()
      .nullable()
      .meta({ description: 'The SubscriptionStatus search attribute (eventually consistent)' }),
    startTime: z.string().nullable().meta({ description: "The current run's start" }),
    closeTime: z.string().nullable(),
  })
  .meta({ id: 'SubscriptionSummary' });
export const listSubscriptionsResponse = z
  .object({ subscriptions: z.array(subscriptionSummarySchema), nextPageToken: z.string().nullable() })
  .meta({ id: 'SubscriptionList' });
