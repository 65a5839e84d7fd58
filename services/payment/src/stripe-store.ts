import { newId } from '@fake-stripe/kernel';
import type { Db, Hold } from '@fake-stripe/kernel';
import type {
  Charge,
  CreateCustomerParams,
  CreatePaymentIntentParams,
  Customer,
  LastPaymentError,
  PaymentIntent,
  PaymentIntentStatus,
  RefundObject,
} from './stripe-objects.ts';
import type { PaymentStore } from './store.ts';

/** A row this transaction just wrote: its absence is a bug, not the caller's mistake. */
export function written<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} was just written but cannot be read`);
  return value;
}

export const unixNow = (): number => Math.floor(Date.now() / 1000);
const unixOf = (iso: string): number => Math.floor(Date.parse(iso) / 1000);

/** A PaymentIntent's charge shares its id's suffix: `pi_X` is charged as `ch_X` (the capture row's id). */
export const chargeIdOf = (paymentIntentId: string): string => `ch_${paymentIntentId.slice(3)}`;

/** What a PaymentIntent's own row keeps; its money lives in the ledger (holds, captures, refunds). */
interface IntentRow {
  id: string;
  amount: number;
  currency: string;
  customer: string | null;
  payment_method: string | null;
  capture_method: PaymentIntent['capture_method'];
  description: string | null;
  metadata: string;
  created: number;
  /** The status while no hold exists: before confirmation, after a decline, or canceled unconfirmed. */
  unconfirmed_status: PaymentIntentStatus;
  last_payment_error: string | null;
  canceled_at: number | null;
  cancellation_reason: PaymentIntent['cancellation_reason'];
}

const holdStatuses: Record<Hold['status'], PaymentIntentStatus> = {
  authorized: 'requires_capture',
  captured: 'succeeded',
  released: 'canceled',
};

/**
 * PaymentIntents and customers, on the payment ledger's own SQLite file: a confirmed PaymentIntent is
 * a hold whose id is the PaymentIntent's, its capture is a capture row whose id is its charge's, and a
 * refund is a refund row. So `/payment/*`, `/v1/*` and the auditor's ledger read one store, and each
 * PaymentIntent's status is derived from the ledger, never kept twice.
 */
export function createStripeStore(db: Db, ledger: PaymentStore) {
  db.exec(`
    CREATE TABLE IF NOT EXISTS stripe_customers (
      id TEXT PRIMARY KEY, email TEXT, name TEXT, description TEXT, metadata TEXT NOT NULL, created INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS stripe_payment_intents (
      id TEXT PRIMARY KEY, amount INTEGER NOT NULL CHECK (amount > 0), currency TEXT NOT NULL, customer TEXT,
      payment_method TEXT, capture_method TEXT NOT NULL, description TEXT, metadata TEXT NOT NULL,
      created INTEGER NOT NULL, unconfirmed_status TEXT NOT NULL, last_payment_error TEXT,
      canceled_at INTEGER, cancellation_reason TEXT);
  `);
  const q = {
    insertCustomer: db.prepare('INSERT INTO stripe_customers VALUES (?, ?, ?, ?, ?, ?)'),
    customer: db.prepare('SELECT * FROM stripe_customers WHERE id = ?'),
    insertIntent: db.prepare(`INSERT INTO stripe_payment_intents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)`),
    intent: db.prepare('SELECT * FROM stripe_payment_intents WHERE id = ?'),
    cancel: db.prepare(
      `UPDATE stripe_payment_intents SET unconfirmed_status = 'canceled', canceled_at = ?, cancellation_reason = ?
       WHERE id = ?`,
    ),
  };

  function toPaymentIntent(row: IntentRow): PaymentIntent {
    const hold = ledger.hold(row.id);
    const capture = hold && ledger.captureOf(row.id);
    return {
      id: row.id,
      object: 'payment_intent',
      amount: row.amount,
      amount_capturable: hold?.status === 'authorized' ? hold.amount : 0,
      amount_received: capture?.amount ?? 0,
      capture_method: row.capture_method,
      canceled_at: row.canceled_at,
      cancellation_reason: row.cancellation_reason,
      client_secret: `${row.id}_secret_${row.id.slice(-8)}`,
      confirmation_method: 'automatic',
      created: row.created,
      currency: row.currency,
      customer: row.customer,
      description: row.description,
      last_payment_error:
        row.last_payment_error === null ? null : (JSON.parse(row.last_payment_error) as LastPaymentError),
      latest_charge: hold ? chargeIdOf(row.id) : null,
      livemode: false,
      metadata: JSON.parse(row.metadata) as Record<string, string>,
      payment_method: row.payment_method,
      payment_method_types: ['card'],
      status: hold ? holdStatuses[hold.status] : row.unconfirmed_status,
    };
  }

  const intentRow = (id: string) => q.intent.get(id) as IntentRow | undefined;

  return {
    createCustomer(params: CreateCustomerParams): Customer {
      const customer: Customer = {
        id: newId('cus'),
        object: 'customer',
        created: unixNow(),
        description: params.description ?? null,
        email: params.email ?? null,
        livemode: false,
        metadata: params.metadata,
        name: params.name ?? null,
      };
      q.insertCustomer.run(
        customer.id,
        customer.email,
        customer.name,
        customer.description,
        JSON.stringify(customer.metadata),
        customer.created,
      );
      return customer;
    },
    customer(id: string): Customer | undefined {
      const row = q.customer.get(id) as
        (Omit<Customer, 'object' | 'livemode' | 'metadata'> & { metadata: string }) | undefined;
      return (
        row && {
          ...row,
          object: 'customer',
          livemode: false,
          metadata: JSON.parse(row.metadata) as Customer['metadata'],
        }
      );
    },
    /** A new PaymentIntent's row, in `status` (no money moves here: a confirmation adds its hold). */
    createIntent(
      params: CreatePaymentIntentParams,
      status: PaymentIntentStatus,
      error?: LastPaymentError,
    ): PaymentIntent {
      const id = newId('pi');
      q.insertIntent.run(
        id,
        params.amount,
        params.currency,
        params.customer ?? null,
        params.payment_method ?? null,
        params.capture_method,
        params.description ?? null,
        JSON.stringify(params.metadata),
        unixNow(),
        status,
        error ? JSON.stringify(error) : null,
      );
      return written(this.paymentIntent(id), id);
    },
    paymentIntent(id: string): PaymentIntent | undefined {
      const row = intentRow(id);
      return row && toPaymentIntent(row);
    },
    /** Cancels a PaymentIntent: its live hold (if any) is released in the ledger. */
    cancelIntent(intent: PaymentIntent, reason: PaymentIntent['cancellation_reason']): PaymentIntent {
      if (intent.status === 'requires_capture') ledger.setHoldStatus(intent.id, 'released');
      q.cancel.run(unixNow(), reason, intent.id);
      return written(this.paymentIntent(intent.id), intent.id);
    },
    /** The charge of a PaymentIntent that was captured, as `charge.refunded` carries it. */
    charge(chargeId: string): Charge | undefined {
      const capture = ledger.capture(chargeId);
      const hold = capture && ledger.hold(capture.authorizationId);
      if (!capture || !hold) return undefined;
      const refunded = ledger.refundOf(capture.captureId)?.amount ?? 0;
      const row = intentRow(hold.authorizationId);
      return {
        id: capture.captureId,
        object: 'charge',
        amount: hold.amount,
        amount_captured: capture.amount,
        amount_refunded: refunded,
        captured: true,
        created: unixOf(hold.createdAt),
        currency: hold.currency,
        livemode: false,
        metadata: row ? (JSON.parse(row.metadata) as Record<string, string>) : {},
        paid: true,
        payment_intent: row ? row.id : null,
        refunded: refunded >= capture.amount,
        status: 'succeeded',
      };
    },
    refund(id: string): RefundObject | undefined {
      const refund = ledger.refund(id);
      const charge = refund && this.charge(refund.captureId);
      if (!refund || !charge) return undefined;
      return {
        id: refund.refundId,
        object: 'refund',
        amount: refund.amount,
        charge: charge.id,
        created: unixOf(refund.createdAt),
        currency: charge.currency,
        metadata: {},
        payment_intent: charge.payment_intent,
        reason: null,
        status: 'succeeded',
      };
    },
  };
}
export type StripeStore = ReturnType<typeof createStripeStore>;
