import { ApplicationFailure } from '@temporalio/common';
import type { FraudCheck } from '@fake-stripe/kernel';
import type { CallContext } from './calls.ts';

/** The fraud rules, from the worker's config: which orders are screened, and who is refused. */
export interface FraudRules {
  /** Orders of at least this amount (minor units) are screened; smaller ones pass unscreened. */
  minAmount: number;
  /** Customers whose screened orders are refused. */
  blockedCustomers: readonly string[];
}

/**
 * From 1,000.00: the sample orders (59.98) pass unscreened, the scenarios' large orders are screened;
 * CUST-BLOCKED is the customer the scenarios and tests show a refusal with.
 */
export const DEFAULT_FRAUD_RULES: FraudRules = { minAmount: 100_000, blockedCustomers: ['CUST-BLOCKED'] };

/**
 * The fraud check before capture. The rules live in the worker (its config), not in the workflow:
 * changing a threshold changes no workflow command, so it needs no new workflow version. A refusal
 * is definitive (non-retryable, type `fraud_suspected`) and the saga compensates.
 */
export function fraudActivities(rules: FraudRules) {
  return {
    // eslint-disable-next-line @typescript-eslint/require-await -- an activity returns a promise
    async screenOrder(c: CallContext & { customerId: string; amount: number }): Promise<FraudCheck> {
      if (c.amount < rules.minAmount) return { outcome: 'not_required', minAmount: rules.minAmount };
      if (rules.blockedCustomers.includes(c.customerId))
        throw ApplicationFailure.create({
          type: 'fraud_suspected',
          message: `refused by the fraud check: customer ${c.customerId} is blocked for orders of ${rules.minAmount} minor units or more`,
          nonRetryable: true,
        });
      return { outcome: 'passed', minAmount: rules.minAmount };
    },
  };
}
