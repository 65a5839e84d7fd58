import { z } from 'zod';
import { addressSchema, customerIdSchema, orderIdSchema, skuSchema } from './schemas.ts';

/**
 * Contracts shared by the API and the worker. Workflow code imports only types from here
 * (`import type`), so nothing of this module is bundled into the workflow sandbox.
 */

/** Activities a per-order fault plan may target (SPEC §5). */
export const faultableActivities = [
  'authorizePayment',
  'reserveInventory',
  'capturePayment',
  'createShippingLabel',
  'sendNotification',
  'cancelLabel',
  'refundPayment',
  'releaseInventory',
  'releaseAuthorization',
] as const;
export type FaultableActivity = (typeof faultableActivities)[number];

/** Activity name → the chaos outcomes its first attempts are forced to (then normal chaos). */
export const faultPlanSchema = z
  .partialRecord(
    z.enum(faultableActivities),
    z
      .array(z.string().regex(/^[a-z_]+$/))
      .min(1)
      .max(20),
  )
  .meta({ id: 'FaultPlan', description: 'Per-order fault plan: activity → forced outcomes of its first attempts' });
export type FaultPlan = z.infer<typeof faultPlanSchema>;

/** A decimal currency amount with at most two decimals (SPEC §8). */
export const decimalAmountSchema = z
  .number()
  .positive()
  .max(1_000_000)
  .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-6, 'must have at most two decimals');
export const toMinor = (amount: number): number => Math.round(amount * 100);

export const orderRequestSchema = z
  .object({
    orderId: orderIdSchema,
    customerId: customerIdSchema,
    items: z
      .array(
        z
          .object({ sku: skuSchema, quantity: z.number().int().positive().max(10_000), price: decimalAmountSchema })
          .strict(),
      )
      .min(1)
      .max(100),
    totalAmount: decimalAmountSchema,
    shippingAddress: addressSchema,
    customerEmail: z.email(),
    requiresApproval: z.boolean().default(false),
    faults: faultPlanSchema.optional(),
    /** How long a manager has to decide before the order is auto-rejected (default 2 minutes). */
    approvalTimeoutSeconds: z
      .number()
      .int()
      .positive()
      .max(7 * 24 * 3600)
      .optional(),
  })
  .strict()
  .superRefine((order, ctx) => {
    const sum = order.items.reduce((acc, i) => acc + toMinor(i.price) * i.quantity, 0);
    if (sum !== toMinor(order.totalAmount))
      ctx.addIssue({
        code: 'custom',
        path: ['totalAmount'],
        message: `must equal the sum of the items (${(sum / 100).toFixed(2)})`,
      });
  })
  .meta({ id: 'OrderRequest' });
export type OrderRequest = z.infer<typeof orderRequestSchema>;

/** The order workflow's input: amounts in integer minor units. */
export interface OrderInput {
  orderId: string;
  customerId: string;
  items: Array<{ sku: string; quantity: number; unitAmount: number }>;
  amount: number;
  currency: string;
  shippingAddress: z.infer<typeof addressSchema>;
  customerEmail: string;
  requiresApproval: boolean;
  faults?: FaultPlan;
  approvalTimeoutMs?: number;
  /** How long compensations retry before the order parks in compensation_stuck (default 15 min). */
  compensationWindowMs?: number;
  correlationId?: string;
}

export function orderInputFrom(req: OrderRequest, correlationId?: string): OrderInput {
  return {
    orderId: req.orderId,
    customerId: req.customerId,
    items: req.items.map((i) => ({ sku: i.sku, quantity: i.quantity, unitAmount: toMinor(i.price) })),
    amount: toMinor(req.totalAmount),
    currency: 'usd',
    shippingAddress: req.shippingAddress,
    customerEmail: req.customerEmail,
    requiresApproval: req.requiresApproval,
    ...(req.faults && { faults: req.faults }),
    ...(req.approvalTimeoutSeconds && { approvalTimeoutMs: req.approvalTimeoutSeconds * 1000 }),
    ...(correlationId && { correlationId }),
  };
}

export const orderStatuses = [
  'pending',
  'authorizing',
  'awaiting_approval',
  'reserving',
  'capturing',
  'shipping',
  'notifying',
  'compensating',
  'compensation_stuck',
  'shipped',
  'failed',
  'cancelled',
  'rejected',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];
export const terminalStatuses: readonly OrderStatus[] = ['shipped', 'failed', 'cancelled', 'rejected'];

export type OrderStep = 'authorize' | 'approval' | 'reserve' | 'capture' | 'ship' | 'notify';
export type CompensationStep = 'cancelLabel' | 'refundPayment' | 'releaseInventory' | 'releaseAuthorization';

export interface CompensationRecord {
  step: CompensationStep;
  /** What the ledger-driven compensation did: e.g. `refunded`, `nothing_to_do`, or an operator's resolution. */
  outcome: string;
  ids?: string[];
  error?: string;
}

export interface OrderState {
  orderId: string;
  status: OrderStatus;
  completedSteps: OrderStep[];
  currentStep?: OrderStep;
  compensations: CompensationRecord[];
  authorizationId?: string;
  reservationId?: string;
  captureId?: string;
  labelId?: string;
  trackingNumber?: string;
  /** Progress (0–100) the label activity resumed from after a worker crash; 0 when it never had to. */
  labelResumedFrom?: number;
  notificationFailed?: boolean;
  approval?: { approved: boolean; by?: string; reason?: string; timedOut?: boolean };
  failure?: { step: string; type?: string; message: string };
  /** Overall progress 0–100 by steps; the API adds the label activity's heartbeat progress. */
  progress: number;
}

export type OperatorAction = { action: 'retry' } | { action: 'resolve'; note?: string };

// ---------------------------------------------------------------------------------------------------
// User context: a user's location by IP, the weather there and a cat fact. The REST aggregator
// (user-context) and userContextWorkflow take the same strategies and answer the same shape.

/** The three sources, which are also the public-APIs stand-in's chaos operations. */
export const userContextSources = ['location', 'weather', 'catFact'] as const;
export type UserContextSource = (typeof userContextSources)[number];

/**
 * How the sources run. `sequential`: location, then weather, then the cat fact, each awaited
 * before the next starts. Every other strategy runs location→weather beside the cat fact:
 * `promise-allsettled` and `rxjs` name the REST aggregator's tool for that (Promise.allSettled or
 * rxjs's forkJoin), `parallel` leaves the tool to the runner (Promise.allSettled in the aggregator;
 * concurrent activities in the workflow, which runs all three the same way).
 */
export const userContextStrategies = ['parallel', 'promise-allsettled', 'rxjs', 'sequential'] as const;
export type UserContextStrategy = (typeof userContextStrategies)[number];

export const userContextStrategySchema = z
  .enum(userContextStrategies)
  .default('parallel')
  .meta({
    description:
      '`sequential` runs location, weather and the cat fact one after another; the others run ' +
      'location→weather beside the cat fact (`promise-allsettled` and `rxjs` with that tool, in the REST aggregator)',
  });

/** An IPv4 or IPv6 address; a validated one is only hex digits, dots and colons. */
export const ipSchema = z
  .union([z.ipv4(), z.ipv6()], { error: 'must be an IPv4 or IPv6 address' })
  .meta({ description: "The user's IP address", example: '8.8.8.8' });

export const userLocationSchema = z
  .object({
    city: z.string(),
    region: z.string(),
    country: z.string(),
    countryCode: z.string(),
    lat: z.number(),
    lon: z.number(),
    timezone: z.string(),
  })
  .meta({ id: 'UserLocation' });
export type UserLocation = z.infer<typeof userLocationSchema>;

export const userWeatherSchema = z
  .object({ temperature: z.number(), windspeed: z.number(), weathercode: z.number(), time: z.string() })
  .meta({ id: 'UserWeather' });
export type UserWeather = z.infer<typeof userWeatherSchema>;

/** Weather's reason when there is no location to ask about (it is then never called). */
export const LOCATION_UNAVAILABLE = 'location unavailable';

export const sourceOutcomeSchema = z
  .object({
    ok: z.boolean(),
    ms: z.number().meta({
      description:
        'Time spent on this source, 0 when it was not called (the workflow: workflow time from scheduling ' +
        'its activity to the result, retries included)',
    }),
    error: z.string().optional().meta({ description: 'Why the field is null' }),
  })
  .meta({ id: 'SourceOutcome' });
export type SourceOutcome = z.infer<typeof sourceOutcomeSchema>;

/** A failed source is `null` with an entry in `sources` saying why: never a 5xx or a failed workflow. */
export const userContextSchema = z
  .object({
    ip: z.string(),
    strategy: z.enum(userContextStrategies),
    location: userLocationSchema.nullable(),
    weather: userWeatherSchema.nullable(),
    catFact: z.string().nullable(),
    sources: z.object({ location: sourceOutcomeSchema, weather: sourceOutcomeSchema, catFact: sourceOutcomeSchema }),
    totalMs: z.number(),
  })
  .meta({ id: 'UserContext' });
export type UserContext = z.infer<typeof userContextSchema>;

/** userContextWorkflow's result (and its query's partial result): the user's context and whose it is. */
export const userContextResultSchema = userContextSchema
  .extend({ userId: z.string() })
  .meta({ id: 'UserContextResult' });
export type UserContextResult = z.infer<typeof userContextResultSchema>;

/** `POST /api/v1/workflows/user-context`. */
export const userContextRequestSchema = z
  .object({
    userId: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits and _ . : - (1–64)'),
    strategy: userContextStrategySchema,
    /** The user's IP; derived from the user id when absent (a stand-in for a session lookup). */
    ip: ipSchema.optional(),
  })
  .strict()
  .meta({ id: 'UserContextRequest' });
export type UserContextRequest = z.infer<typeof userContextRequestSchema>;

export interface UserContextInput {
  userId: string;
  strategy: UserContextStrategy;
  ip: string;
  correlationId?: string;
}

/** A deterministic public IPv4 for a user id (no private, loopback or multicast first octets). */
export function ipForUser(userId: string, hash: (s: string) => Uint8Array): string {
  const b = hash(userId);
  let first = 11 + (b[0]! % 200);
  if (first === 127 || first === 172 || first === 192 || first === 169) first += 1;
  return `${first}.${b[1]}.${b[2]}.${b[3]}`;
}
