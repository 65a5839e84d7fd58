import { z } from 'zod';
import type { Address } from './schemas.ts';
import { addressSchema, customerIdSchema, emailSchema, orderIdSchema, skuSchema, textSchema } from './schemas.ts';

/**
 * Contracts shared by the API, the worker and the tools: each schema once, its type from `z.infer`.
 * Workflow code imports this module through `@fake-stripe/kernel/contracts`, so it must stay free of
 * Node built-ins and of the rest of the kernel (only zod and the id/amount schemas).
 */

/** Activities a per-order fault plan may target: the saga's forward steps and its compensations. */
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

/**
 * How far (relative) an amount may sit from a whole number of cents and still count as that number:
 * binary floating point cannot hold most decimals exactly, and summing up to 100 lines of them in a
 * client (0.1 + 0.2 = 0.30000000000000004) drifts by a few parts in 1e16. 1e-13 leaves that noise
 * ample room while refusing any amount with a real fraction of a cent (29.999999999 is 3e-11 off).
 */
const CENT_TOLERANCE = 1e-13;

/**
 * The amount in integer minor units when it is exactly a whole number of cents (up to float noise),
 * else undefined: never rounds a real fraction of a cent away, so no sub-cent price becomes free
 * and no 29.999999999 is charged as 30.00.
 */
export function exactMinorUnits(amount: number): number | undefined {
  const cents = amount * 100;
  const whole = Math.round(cents);
  if (!Number.isSafeInteger(whole) || whole < 1) return undefined;
  return Math.abs(cents - whole) <= CENT_TOLERANCE * whole ? whole : undefined;
}

/**
 * A decimal currency amount: a whole number of cents from 0.01 to 1,000,000 (at most two decimals;
 * float noise from adding such numbers is tolerated and rounded away). `multipleOf` documents the
 * rule to OpenAPI readers and fuzzers; the refinement is the exact check.
 */
export const decimalAmountSchema = z
  .number()
  .min(0.01)
  .max(1_000_000)
  .refine((v) => exactMinorUnits(v) !== undefined, 'must be a whole number of cents (at most two decimals)')
  .meta({ multipleOf: 0.01, description: 'Decimal currency units, a whole number of cents, e.g. 29.99' });
/** Minor units of an amount that passed `decimalAmountSchema`. */
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
    customerEmail: emailSchema,
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

/**
 * The README's example order (2 × ITEM-001 at 29.99, San Francisco): the one fixture tests, the
 * scenario CLI and the bench start from, overriding what they are about.
 */
export function sampleOrder(orderId: string, overrides: Partial<OrderRequest> = {}): OrderRequest {
  return {
    orderId,
    customerId: 'CUST-001',
    items: [{ sku: 'ITEM-001', quantity: 2, price: 29.99 }],
    totalAmount: 59.98,
    shippingAddress: { street: '123 Main St', city: 'San Francisco', state: 'CA', zip: '94105', country: 'US' },
    customerEmail: 'test@example.com',
    requiresApproval: false,
    ...overrides,
  };
}

/** The order workflow's input: amounts in integer minor units. */
export interface OrderInput {
  orderId: string;
  customerId: string;
  items: Array<{ sku: string; quantity: number; unitAmount: number }>;
  amount: number;
  currency: string;
  shippingAddress: Address;
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
/** Where an order ends: the auditor judges these, watchers stop at them. */
export const terminalStatuses = [
  'shipped',
  'failed',
  'cancelled',
  'rejected',
] as const satisfies readonly OrderStatus[];
export type TerminalStatus = (typeof terminalStatuses)[number];
export const isTerminal = (status: string): status is TerminalStatus =>
  (terminalStatuses as readonly string[]).includes(status);
/** Terminal, or already undoing its steps: too late for a customer's cancel. */
export const isTerminalOrCompensating = (status: string): boolean =>
  isTerminal(status) || status === 'compensating' || status === 'compensation_stuck';

/**
 * The visibility statuses: the values of the `OrderStatus` search attribute, which the order list
 * filters by and the orders-in-status gauge counts. The exact step is the status query's (`status`
 * above); visibility keeps only what a user filters by, so a happy order writes it once at the end.
 */
export const visibilityStatuses = [
  'in_progress',
  'awaiting_approval',
  'compensating',
  'compensation_stuck',
  ...terminalStatuses,
] as const;
export type VisibilityStatus = (typeof visibilityStatuses)[number];
/** An exact status's visibility status: a forward step (and `pending`) is `in_progress`, the others are themselves. */
export const visibilityStatus = (status: OrderStatus): VisibilityStatus =>
  (visibilityStatuses as readonly string[]).includes(status) ? (status as VisibilityStatus) : 'in_progress';
/**
 * The `OrderStatus` values that mean a visibility status: itself, and for `in_progress` also each step
 * status, which orders started before the coarse statuses wrote at every step.
 */
export const searchAttributeValues = (status: VisibilityStatus): string[] => [
  ...new Set([status, ...orderStatuses.filter((s) => visibilityStatus(s) === status)]),
];

export const orderSteps = ['authorize', 'approval', 'reserve', 'capture', 'ship', 'notify'] as const;
export type OrderStep = (typeof orderSteps)[number];
export const compensationSteps = ['cancelLabel', 'refundPayment', 'releaseInventory', 'releaseAuthorization'] as const;
export type CompensationStep = (typeof compensationSteps)[number];

const percentSchema = z.number().min(0).max(100);

export const compensationRecordSchema = z.object({
  step: z.enum(compensationSteps),
  /** What the ledger-driven compensation did: e.g. `refunded`, `nothing_to_do`, or an operator's resolution. */
  outcome: z.string(),
  ids: z.array(z.string()).optional(),
  error: z.string().optional(),
});
export type CompensationRecord = z.infer<typeof compensationRecordSchema>;

/** The fraud check before capture: screened and passed, or not required below the configured amount. */
export const fraudCheckSchema = z
  .object({
    outcome: z.enum(['passed', 'not_required']),
    /** The worker's screening threshold in minor units when the check ran. */
    minAmount: z.number().int(),
  })
  .meta({ id: 'FraudCheck' });
export type FraudCheck = z.infer<typeof fraudCheckSchema>;

/** orderFulfillmentWorkflow's state: its `status` query, its operator Update's answer and its result. */
export const orderStateSchema = z
  .object({
    orderId: z.string(),
    status: z.enum(orderStatuses),
    completedSteps: z.array(z.enum(orderSteps)),
    currentStep: z.enum(orderSteps).optional(),
    compensations: z.array(compensationRecordSchema),
    authorizationId: z.string().optional(),
    reservationId: z.string().optional(),
    captureId: z.string().optional(),
    labelId: z.string().optional(),
    trackingNumber: z.string().optional(),
    /** Progress (0–100) the label activity resumed from after a worker crash; 0 when it never had to. */
    labelResumedFrom: z.number().optional(),
    notificationFailed: z.boolean().optional(),
    /** Absent on orders that passed this point before the fraud check was deployed. */
    fraudCheck: fraudCheckSchema.optional(),
    approval: z
      .object({
        approved: z.boolean(),
        by: z.string().optional(),
        reason: z.string().optional(),
        timedOut: z.boolean().optional(),
      })
      .optional(),
    failure: z.object({ step: z.string(), type: z.string().optional(), message: z.string() }).optional(),
    progress: percentSchema.meta({
      description: 'Overall progress, with the running label step interpolated from its heartbeat',
    }),
  })
  .meta({ id: 'OrderState' });
export type OrderState = z.infer<typeof orderStateSchema>;

/** The operator Update's argument: retry the failing compensation, or resolve it by hand (with a note). */
export const operatorActionSchema = z
  .discriminatedUnion('action', [
    z.object({ action: z.literal('retry') }).strict(),
    z.object({ action: z.literal('resolve'), note: textSchema(500).optional() }).strict(),
  ])
  .meta({ id: 'OperatorRequest', description: 'retry the failing compensation, or resolve it by hand (with a note)' });
export type OperatorAction = z.infer<typeof operatorActionSchema>;

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

/** paymentWorkflow's input: an amount in minor units, charged (authorize + capture) for an order. */
export interface PaymentInput {
  orderId: string;
  customerId: string;
  amount: number;
  correlationId?: string;
  /** Forced chaos outcomes of the charge (a subscription's planned decline). */
  faults?: FaultPlan;
}

/** paymentWorkflow's result: charged, or failed/cancelled with what its compensations did. */
export interface PaymentResult {
  orderId: string;
  status: 'charged' | 'failed' | 'cancelled';
  authorizationId?: string;
  captureId?: string;
  compensations: Array<{ step: string; outcome: string }>;
  error?: string;
}

/** A deterministic public IPv4 for a user id (no private, loopback or multicast first octets). */
export function ipForUser(userId: string, hash: (s: string) => Uint8Array): string {
  const [b0, b1, b2, b3] = hash(userId);
  if (b0 === undefined || b1 === undefined || b2 === undefined || b3 === undefined)
    throw new Error('ipForUser needs a hash of at least 4 bytes.');
  let first = 11 + (b0 % 200);
  if (first === 127 || first === 172 || first === 192 || first === 169) first += 1;
  return `${first}.${b1}.${b2}.${b3}`;
}
