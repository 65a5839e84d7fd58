import { z } from 'zod';
import { faultPlanSchema } from './contracts.ts';
import type { FaultPlan } from './contracts.ts';
import { customerIdSchema, idSchema, minorUnitsSchema } from './schemas.ts';

/**
 * Subscriptions: the plan catalogue, the request that starts one, and subscriptionWorkflow's
 * state, invoices and messages' arguments. Like contracts.ts, workflow code imports this module, so
 * it holds only zod and the id/amount schemas.
 */

const DAY_MS = 24 * 3600 * 1000;
/** A billing interval's length; a month is 30 days (no calendar arithmetic in a workflow). */
export const intervalMs = { day: DAY_MS, week: 7 * DAY_MS, month: 30 * DAY_MS, year: 365 * DAY_MS } as const;

export const planIdSchema = idSchema('pro');
export const planSchema = z
  .object({
    id: planIdSchema,
    name: z.string(),
    amount: minorUnitsSchema,
    currency: z.literal('usd'),
    interval: z.enum(['day', 'week', 'month', 'year']),
  })
  .strict()
  .meta({ id: 'Plan' });
export type Plan = z.infer<typeof planSchema>;

/** The plan catalogue: the one list the API, the workflow's validator and the auditor read. */
export const plans: readonly Plan[] = z.array(planSchema).parse([
  { id: 'basic', name: 'Basic', amount: 999, currency: 'usd', interval: 'month' },
  { id: 'pro', name: 'Pro', amount: 2999, currency: 'usd', interval: 'month' },
  { id: 'team', name: 'Team', amount: 9900, currency: 'usd', interval: 'month' },
  { id: 'pro-annual', name: 'Pro (annual)', amount: 29900, currency: 'usd', interval: 'year' },
]);
export const findPlan = (planId: string): Plan | undefined => plans.find((p) => p.id === planId);

/**
 * A subscription id: it is part of the payment ledger's order id of each period
 * (`SUB-{id}-P{n}`, at most 64 characters), so it is shorter than other ids.
 */
export const subscriptionIdSchema = idSchema('SUB-001', 48);

/** The payment ledger's order id of a subscription's period: how a capture is linked to its period. */
export const periodOrderId = (subscriptionId: string, period: number): string => `SUB-${subscriptionId}-P${period}`;

export const subscriptionStatuses = ['active', 'past_due', 'suspended', 'paused', 'cancelled'] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

export const dunningSchema = z
  .object({
    retries: z.number().int().min(0).max(10).default(3).meta({ description: 'Retries of a failed charge' }),
    graceSeconds: z
      .number()
      .int()
      .positive()
      .max(90 * 24 * 3600)
      .default(7 * 24 * 3600)
      .meta({ description: 'The window the retries are spread evenly over; then the subscription is suspended' }),
  })
  .strict()
  .meta({ id: 'Dunning' });

/** `POST /api/v1/subscriptions`. */
export const subscriptionRequestSchema = z
  .object({
    subscriptionId: subscriptionIdSchema,
    customerId: customerIdSchema,
    // An enum, not a refinement: the OpenAPI document then lists the catalogue's plans.
    planId: z.enum(plans.map((p) => p.id) as [string, ...string[]]),
    paymentMethod: z
      .string()
      .regex(/^pm_[A-Za-z0-9_]{1,60}$/, 'must be a payment method id (pm_…)')
      .default('pm_card_visa'),
    /** Overrides the plan's interval (tests and scenarios bill every few seconds). */
    periodSeconds: z
      .number()
      .int()
      .positive()
      .max(366 * 24 * 3600)
      .optional()
      .meta({ description: "Length of a billing period in seconds, instead of the plan's interval" }),
    dunning: dunningSchema.default({ retries: 3, graceSeconds: 7 * 24 * 3600 }),
    periodsPerRun: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(12)
      .meta({ description: 'Periods billed by one workflow run before it continues as new' }),
    faults: z
      .array(faultPlanSchema)
      .max(50)
      .optional()
      .meta({
        description:
          "Fault plans of the first charge attempts, in order (dunning retries count): attempt k's " +
          'paymentWorkflow runs with faults[k]; later attempts meet the live chaos',
      }),
  })
  .strict()
  .meta({ id: 'SubscriptionRequest' });
export type SubscriptionRequest = z.infer<typeof subscriptionRequestSchema>;

export const invoiceSchema = z
  .object({
    period: z.number().int().positive(),
    /** The payment ledger's order id of this period (`SUB-{id}-P{n}`). */
    orderId: z.string(),
    planId: z.string(),
    amount: z.number().int().meta({ description: 'The plan price billed, minor units' }),
    status: z.enum(['open', 'paid', 'uncollectible', 'void']),
    attempts: z.number().int(),
    paymentWorkflowId: z.string().optional(),
    captureId: z.string().optional(),
    error: z.string().optional(),
  })
  .meta({ id: 'Invoice' });
export type Invoice = z.infer<typeof invoiceSchema>;

const by = z.object({ by: z.string(), reason: z.string().optional() });

/** subscriptionWorkflow's state (its `status` query and result); bounded, so it is carried across runs. */
export const subscriptionStateSchema = z
  .object({
    subscriptionId: z.string(),
    customerId: z.string(),
    paymentMethod: z.string(),
    status: z.enum(subscriptionStatuses),
    /** Whether the last period was paid (active), is being retried (past_due) or was not (suspended). */
    billing: z.enum(['active', 'past_due', 'suspended']),
    paused: z.boolean(),
    planId: z.string(),
    /** The plan a changePlan Update chose; billed from the next period on. */
    pendingPlanId: z.string().optional(),
    /** The last period billed (0 before the first). */
    period: z.number().int(),
    nextPeriodAt: z.string().meta({ description: 'When the next period starts (ISO time)' }),
    paidPeriods: z.number().int(),
    unpaidPeriods: z.number().int(),
    totalPaid: z.number().int().meta({ description: 'Minor units' }),
    /** This run's number in the continue-as-new chain (1 for the first run). */
    run: z.number().int(),
    lastInvoice: invoiceSchema.optional(),
    cancelled: by.optional(),
  })
  .meta({ id: 'SubscriptionState' });
export type SubscriptionState = z.infer<typeof subscriptionStateSchema>;

/** The changePlan Update's argument: any plan id, so that the validator, not a schema, refuses unknown ones. */
export const changePlanSchema = z.object({ planId: planIdSchema }).strict().meta({ id: 'ChangePlanRequest' });
export type ChangePlan = z.infer<typeof changePlanSchema>;
export type SubscriptionSignal = { by: string; reason?: string };

/** subscriptionWorkflow's input; `carried` is the previous run's state when it continued as new. */
export interface SubscriptionInput {
  subscriptionId: string;
  customerId: string;
  planId: string;
  paymentMethod: string;
  /** A fixed period length; without it, the current plan's interval. */
  periodMs?: number;
  dunning: { retries: number; graceMs: number };
  periodsPerRun: number;
  faults?: FaultPlan[];
  correlationId?: string;
  carried?: SubscriptionState;
}

export function subscriptionInputFrom(req: SubscriptionRequest, correlationId?: string): SubscriptionInput {
  return {
    subscriptionId: req.subscriptionId,
    customerId: req.customerId,
    planId: req.planId,
    paymentMethod: req.paymentMethod,
    ...(req.periodSeconds && { periodMs: req.periodSeconds * 1000 }),
    dunning: { retries: req.dunning.retries, graceMs: req.dunning.graceSeconds * 1000 },
    periodsPerRun: req.periodsPerRun,
    ...(req.faults && { faults: req.faults }),
    ...(correlationId && { correlationId }),
  };
}
