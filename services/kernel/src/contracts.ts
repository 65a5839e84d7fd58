import { z } from 'zod';
import { addressSchema, customerIdSchema, emailSchema, orderIdSchema, skuSchema } from './schemas.ts';

/**
 * Contracts shared by the API and the worker. Workflow code imports only types from here
 * (`import type`), so nothing of this module is bundled into the workflow sandbox.
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

/** `POST /api/v1/workflows/user-context` (SPEC §4.1). */
export const userContextStrategies = ['parallel', 'sequential'] as const;
export const userContextRequestSchema = z
  .object({
    userId: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'letters, digits and _ . : - (1–64)'),
    strategy: z.enum(userContextStrategies).default('parallel'),
    /** The user's IP; derived from the user id when absent (a stand-in for a session lookup). */
    ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  })
  .strict()
  .meta({ id: 'UserContextRequest' });
export type UserContextRequest = z.infer<typeof userContextRequestSchema>;

export interface UserContextInput {
  userId: string;
  strategy: (typeof userContextStrategies)[number];
  ip: string;
  correlationId?: string;
}

export interface UserLocation {
  city: string;
  region: string;
  country: string;
  countryCode: string;
  lat: number;
  lon: number;
  timezone: string;
}
export interface UserWeather {
  temperature: number;
  windspeed: number;
  weathercode: number;
  time: string;
}
export type UserContextSource = 'location' | 'weather' | 'catFact';
export interface SourceOutcome {
  ok: boolean;
  error?: string;
}

/** A failed source is `null` with an entry in `sources` saying why; never a failed workflow. */
export interface UserContextResult {
  userId: string;
  ip: string;
  strategy: UserContextInput['strategy'];
  location: UserLocation | null;
  weather: UserWeather | null;
  catFact: string | null;
  sources: Record<UserContextSource, SourceOutcome>;
}

/** A deterministic public IPv4 for a user id (no private, loopback or multicast first octets). */
export function ipForUser(userId: string, hash: (s: string) => Uint8Array): string {
  const b = hash(userId);
  let first = 11 + (b[0]! % 200);
  if (first === 127 || first === 172 || first === 192 || first === 169) first += 1;
  return `${first}.${b[1]}.${b[2]}.${b[3]}`;
}
