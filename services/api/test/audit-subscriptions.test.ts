/** The auditor's subscription rules over hand-made invoices and ledgers: one case per rule, each way. */
import type { Invoice } from '@fake-stripe/kernel';
import { auditPeriod, auditSubscriptions } from '../src/audit-subscriptions.ts';
import type { PaymentLedger } from '../src/audit.ts';

const invoice = (overrides: Partial<Invoice> = {}): Invoice => ({
  period: 1,
  orderId: 'SUB-S1-P1',
  planId: 'basic',
  amount: 999,
  status: 'paid',
  attempts: 1,
  ...overrides,
});
const captured = (amount = 999, n = 1): PaymentLedger => ({
  authorizations: Array.from({ length: n }, (_, i) => ({ authorizationId: `auth_${i}`, amount, status: 'captured' })),
  captures: Array.from({ length: n }, (_, i) => ({ captureId: `cap_${i}`, authorizationId: `auth_${i}`, amount })),
  refunds: [],
});
const empty: PaymentLedger = { authorizations: [], captures: [], refunds: [] };
const rules = (status: string, i: Invoice, l: PaymentLedger) => auditPeriod(status, i, l).map((v) => v.rule);

describe('auditPeriod', () => {
  it('passes a paid period with one capture of the plan price', () => {
    expect(auditPeriod('active', invoice(), captured())).toEqual([]);
  });

  it('flags a paid period with no capture, or two', () => {
    expect(rules('active', invoice(), empty)).toEqual(['subscription_period_one_capture']);
    expect(auditPeriod('active', invoice(), captured(999, 2))).toEqual([
      {
        orderId: 'SUB-S1-P1',
        rule: 'subscription_period_one_capture',
        detail: 'period 1: expected exactly one capture, found 2',
      },
    ]);
  });

  it("flags a capture that is not the plan's price, and an invoice that is not", () => {
    expect(rules('active', invoice(), captured(2999))).toEqual(['subscription_capture_of_plan_price']);
    expect(rules('active', invoice({ amount: 500 }), captured(500))).toEqual(['subscription_capture_of_plan_price']);
  });

  it('flags a refund of a paid period', () => {
    const l = captured();
    l.refunds.push({ refundId: 're_1', captureId: 'cap_0', amount: 999 });
    expect(rules('active', invoice(), l)).toEqual(['subscription_paid_no_refund']);
  });

  it('flags an unpaid period that kept money, and passes one that did not', () => {
    expect(rules('suspended', invoice({ status: 'uncollectible' }), empty)).toEqual([]);
    expect(rules('suspended', invoice({ status: 'uncollectible' }), captured())).toEqual([
      'subscription_unpaid_no_charge',
    ]);
  });

  it('flags a live hold of a cancelled or suspended subscription, not of an active one', () => {
    const held: PaymentLedger = {
      ...empty,
      authorizations: [{ authorizationId: 'a', amount: 999, status: 'authorized' }],
    };
    const voided = invoice({ status: 'void' });
    expect(rules('cancelled', voided, held)).toEqual(['subscription_no_live_hold']);
    expect(rules('suspended', voided, held)).toEqual(['subscription_no_live_hold']);
    expect(rules('active', voided, held)).toEqual([]);
  });
});

describe('auditSubscriptions', () => {
  it('judges every closed invoice of every subscription, and skips open ones', async () => {
    const read: string[] = [];
    const violations = await auditSubscriptions({
      concurrency: 2,
      subscriptions: () => Promise.resolve([{ subscriptionId: 'S1', workflowId: 'subscription-S1', status: 'active' }]),
      invoices: () => Promise.resolve([invoice(), invoice({ period: 2, orderId: 'SUB-S1-P2', status: 'open' })]),
      ledger: (orderId) => {
        read.push(orderId);
        return Promise.resolve(empty);
      },
    });
    expect(read).toEqual(['SUB-S1-P1']);
    expect(violations.map((v) => v.rule)).toEqual(['subscription_period_one_capture']);
  });
});
