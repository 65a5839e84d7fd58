import { z } from 'zod';
import { testCards } from './test-cards.ts';

/**
 * The Stripe subset the payment service speaks (`/v1/…`): request parameters as Stripe's form encoding
 * carries them (every value a string; `metadata[key]=value`), and the objects it answers, in Stripe's
 * shapes. One source for validation, types and the OpenAPI document.
 */

// A body whose every field is optional may be absent (`.prefault({})`), as Stripe's are.

/** A form field's integer (`"2000"`), or a JSON number: minor units, as Stripe counts them. */
const amount = z.union([
  z.int().positive().max(99_999_999),
  z
    .string()
    .regex(/^[1-9]\d{0,7}$/, 'a positive integer (minor units)')
    .transform(Number),
]);
/** A form field's boolean (`"true"`), or a JSON boolean. */
const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]);
const currency = z.string().regex(/^[a-z]{3}$/, 'a three-letter lowercase ISO currency code');
const id = (prefix: string) => z.string().regex(new RegExp(`^${prefix}_[A-Za-z0-9]{1,60}$`), `a ${prefix}_… id`);
/** Stripe's limits: 50 keys of at most 40 characters, values of at most 500. */
const metadata = z
  .record(z.string().regex(/^[^[\]]{1,40}$/, 'a key of 1 to 40 characters, no brackets'), z.string().max(500))
  .refine((m) => Object.keys(m).length <= 50, 'at most 50 keys');
const text = z.string().max(1000);

export const captureMethods = ['automatic', 'automatic_async', 'manual'] as const;

export const createPaymentIntentParams = z
  .object({
    amount,
    currency,
    customer: id('cus').optional(),
    payment_method: z.enum(testCards).optional(),
    capture_method: z.enum(captureMethods).default('automatic'),
    confirm: bool.default(false),
    description: text.optional(),
    metadata: metadata.default({}),
  })
  .strict()
  .meta({ id: 'CreatePaymentIntentParams' });
export type CreatePaymentIntentParams = z.output<typeof createPaymentIntentParams>;

export const capturePaymentIntentParams = z
  .object({ amount_to_capture: amount.optional() })
  .strict()
  .prefault({})
  .meta({ id: 'CapturePaymentIntentParams' });

export const cancellationReasons = ['abandoned', 'duplicate', 'fraudulent', 'requested_by_customer'] as const;
export const cancelPaymentIntentParams = z
  .object({ cancellation_reason: z.enum(cancellationReasons).optional() })
  .strict()
  .prefault({})
  .meta({ id: 'CancelPaymentIntentParams' });

/** A refund names the PaymentIntent or the charge it refunds: exactly one of them. */
export const createRefundParams = z
  .union([
    z.object({ payment_intent: id('pi'), amount: amount.optional() }).strict(),
    z.object({ charge: id('ch'), amount: amount.optional() }).strict(),
  ])
  .meta({ id: 'CreateRefundParams' });

export const createCustomerParams = z
  .object({
    email: z.string().max(512).optional(),
    name: z.string().max(256).optional(),
    description: text.optional(),
    metadata: metadata.default({}),
  })
  .strict()
  .prefault({})
  .meta({ id: 'CreateCustomerParams' });
export type CreateCustomerParams = z.output<typeof createCustomerParams>;

/** An object's id in a path: any id is looked up, and an unknown one is a 404 (`resource_missing`), as Stripe's. */
const pathId = z.object({ id: z.string().min(1).max(255) });
export const piPath = pathId.meta({ description: 'A PaymentIntent id (pi_…)' });
export const refundPath = pathId.meta({ description: 'A refund id (re_…)' });
export const customerPath = pathId.meta({ description: 'A customer id (cus_…)' });
export const eventPath = pathId.meta({ description: 'An event id (evt_…)' });

export const listParams = z
  .object({
    limit: z
      .string()
      .regex(/^([1-9]|[1-9]\d|100)$/, 'an integer from 1 to 100')
      .transform(Number)
      .default(10),
    type: z.string().max(100).optional(),
  })
  .strict();

export const paymentIntentStatuses = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_capture',
  'succeeded',
  'canceled',
] as const;
export type PaymentIntentStatus = (typeof paymentIntentStatuses)[number];

const errorTypes = ['api_error', 'card_error', 'idempotency_error', 'invalid_request_error'] as const;
export const lastPaymentErrorSchema = z.object({
  type: z.enum(errorTypes),
  code: z.string(),
  decline_code: z.string().optional(),
  message: z.string(),
});
export type LastPaymentError = z.infer<typeof lastPaymentErrorSchema>;

const unix = z.int().nonnegative();

export const paymentIntentSchema = z
  .object({
    id: z.string(),
    object: z.literal('payment_intent'),
    amount: z.int(),
    amount_capturable: z.int(),
    amount_received: z.int(),
    capture_method: z.enum(captureMethods),
    canceled_at: unix.nullable(),
    cancellation_reason: z.enum([...cancellationReasons, 'automatic']).nullable(),
    client_secret: z.string(),
    confirmation_method: z.literal('automatic'),
    created: unix,
    currency: z.string(),
    customer: z.string().nullable(),
    description: z.string().nullable(),
    last_payment_error: lastPaymentErrorSchema.nullable(),
    latest_charge: z.string().nullable(),
    livemode: z.literal(false),
    metadata: z.record(z.string(), z.string()),
    payment_method: z.string().nullable(),
    payment_method_types: z.array(z.literal('card')),
    status: z.enum(paymentIntentStatuses),
  })
  .meta({ id: 'PaymentIntent' });
export type PaymentIntent = z.infer<typeof paymentIntentSchema>;

export const chargeSchema = z
  .object({
    id: z.string(),
    object: z.literal('charge'),
    amount: z.int(),
    amount_captured: z.int(),
    amount_refunded: z.int(),
    captured: z.boolean(),
    created: unix,
    currency: z.string(),
    livemode: z.literal(false),
    metadata: z.record(z.string(), z.string()),
    paid: z.boolean(),
    payment_intent: z.string().nullable(),
    refunded: z.boolean(),
    status: z.literal('succeeded'),
  })
  .meta({ id: 'Charge' });
export type Charge = z.infer<typeof chargeSchema>;

export const refundObjectSchema = z
  .object({
    id: z.string(),
    object: z.literal('refund'),
    amount: z.int(),
    charge: z.string().nullable(),
    created: unix,
    currency: z.string(),
    metadata: z.record(z.string(), z.string()),
    payment_intent: z.string().nullable(),
    reason: z.null(),
    status: z.literal('succeeded'),
  })
  .meta({ id: 'StripeRefund' });
export type RefundObject = z.infer<typeof refundObjectSchema>;

export const customerSchema = z
  .object({
    id: z.string(),
    object: z.literal('customer'),
    created: unix,
    description: z.string().nullable(),
    email: z.string().nullable(),
    livemode: z.literal(false),
    metadata: z.record(z.string(), z.string()),
    name: z.string().nullable(),
  })
  .meta({ id: 'Customer' });
export type Customer = z.infer<typeof customerSchema>;

export const eventTypes = [
  'payment_intent.amount_capturable_updated',
  'payment_intent.succeeded',
  'payment_intent.canceled',
  'payment_intent.payment_failed',
  'charge.refunded',
] as const;
export type EventType = (typeof eventTypes)[number];

export const eventSchema = z
  .object({
    id: z.string(),
    object: z.literal('event'),
    api_version: z.string(),
    created: unix,
    data: z.object({ object: z.union([paymentIntentSchema, chargeSchema]) }),
    livemode: z.literal(false),
    pending_webhooks: z.int().nonnegative(),
    request: z.object({ id: z.string().nullable(), idempotency_key: z.string().nullable() }),
    type: z.enum(eventTypes),
  })
  .meta({ id: 'Event' });
export type StripeEvent = z.infer<typeof eventSchema>;

export const eventListSchema = z
  .object({ object: z.literal('list'), data: z.array(eventSchema), has_more: z.boolean(), url: z.string() })
  .meta({ id: 'EventList' });
