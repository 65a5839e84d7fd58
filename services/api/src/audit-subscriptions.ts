/**
 * The auditor's subscription rules, over the payment ledger of each billed period (its order id is
 * `SUB-{subscriptionId}-P{n}`) and the invoices the subscription's runs recorded:
 * - a paid period has exactly one capture, of the plan's price at that time (the invoice's plan), and
 *   nothing refunded;
 * - an unpaid period (uncollectible, void) nets no charge;
 * - a cancelled or suspended subscription has no live hold in any period.
 * Invoices still open (a charge or its dunning under way) are not judged yet.
 */
import pMap from 'p-map';
import { findPlan } from '@fake-stripe/kernel';
import type { Invoice } from '@fake-stripe/kernel';
import type { PaymentLedger, Violation } from './audit.ts';

export interface AuditedSubscription {
  subscriptionId: string;
  workflowId: string;
  status: string | null;
}

export interface SubscriptionAuditDeps {
  /** Every subscription's current run (from visibility). */
  subscriptions: () => Promise<AuditedSubscription[]>;
  /** The invoices of every run of a subscription. */
  invoices: (workflowId: string) => Promise<Invoice[]>;
  ledger: (orderId: string) => Promise<PaymentLedger>;
  concurrency: number;
}

const sum = (xs: Array<{ amount: number }>): number => xs.reduce((acc, x) => acc + x.amount, 0);

/** The rules for one billed period of a subscription in `status`. */
export function auditPeriod(status: string | null, invoice: Invoice, ledger: PaymentLedger): Violation[] {
  const violations: Violation[] = [];
  const violate = (rule: string, detail: string): void => {
    violations.push({ orderId: invoice.orderId, rule, detail: `period ${invoice.period}: ${detail}` });
  };
  const { captures, refunds, authorizations } = ledger;
  if (invoice.status === 'paid') {
    if (captures.length !== 1)
      violate('subscription_period_one_capture', `expected exactly one capture, found ${captures.length}`);
    const price = findPlan(invoice.planId)?.amount;
    if (price !== invoice.amount)
      violate(
        'subscription_capture_of_plan_price',
        `invoiced ${invoice.amount}, plan ${invoice.planId} costs ${price}`,
      );
    for (const capture of captures)
      if (capture.amount !== invoice.amount)
        violate(
          'subscription_capture_of_plan_price',
          `capture ${capture.captureId} is ${capture.amount}, plan ${invoice.planId} was ${invoice.amount}`,
        );
    if (refunds.length > 0) violate('subscription_paid_no_refund', `${refunds.length} refund(s) of a paid period`);
  } else {
    const net = sum(captures) - sum(refunds);
    if (net !== 0) violate('subscription_unpaid_no_charge', `${invoice.status} but captured ${net} net`);
  }
  if (status === 'cancelled' || status === 'suspended') {
    const live = authorizations.filter((a) => a.status === 'authorized');
    if (live.length > 0)
      violate(
        'subscription_no_live_hold',
        `${status} subscription holds ${sum(live)} (${live.map((a) => a.authorizationId).join(', ')})`,
      );
  }
  return violations;
}

/** The violations of every subscription's judged periods. */
export async function auditSubscriptions(deps: SubscriptionAuditDeps): Promise<Violation[]> {
  const subscriptions = await deps.subscriptions();
  const periods = (
    await pMap(
      subscriptions,
      async (s) =>
        (await deps.invoices(s.workflowId))
          .filter((invoice) => invoice.status !== 'open')
          .map((invoice) => ({ status: s.status, invoice })),
      { concurrency: deps.concurrency },
    )
  ).flat();
  const violations = await pMap(
    periods,
    async (p) => auditPeriod(p.status, p.invoice, await deps.ledger(p.invoice.orderId)),
    { concurrency: deps.concurrency },
  );
  return violations.flat();
}
