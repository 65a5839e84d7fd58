import { newId } from '@fake-stripe/kernel';
import type { Db } from '@fake-stripe/kernel';
import type { Capture, Hold, HoldStatus, Refund } from './domain.ts';

const now = (): string => new Date().toISOString();

/** The payment ledger in SQLite: holds, captures, refunds (a release is a hold's status). */
export function createPaymentStore(db: Db) {
  db.exec(`
    CREATE TABLE IF NOT EXISTS holds (
      authorization_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, customer_id TEXT NOT NULL,
      amount INTEGER NOT NULL CHECK (amount > 0), currency TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('authorized', 'captured', 'released')), created_at TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS holds_order ON holds (order_id);
    CREATE TABLE IF NOT EXISTS captures (
      capture_id TEXT PRIMARY KEY, authorization_id TEXT NOT NULL UNIQUE REFERENCES holds, order_id TEXT NOT NULL,
      amount INTEGER NOT NULL CHECK (amount > 0), created_at TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS captures_order ON captures (order_id);
    CREATE TABLE IF NOT EXISTS refunds (
      refund_id TEXT PRIMARY KEY, capture_id TEXT NOT NULL UNIQUE REFERENCES captures, order_id TEXT NOT NULL,
      amount INTEGER NOT NULL CHECK (amount > 0), created_at TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS refunds_order ON refunds (order_id);
  `);
  const holdCols = `authorization_id AS authorizationId, order_id AS orderId, customer_id AS customerId, amount, currency, status, created_at AS createdAt`;
  const captureCols = `capture_id AS captureId, authorization_id AS authorizationId, order_id AS orderId, amount, created_at AS createdAt`;
  const refundCols = `refund_id AS refundId, capture_id AS captureId, order_id AS orderId, amount, created_at AS createdAt`;
  const q = {
    insertHold: db.prepare('INSERT INTO holds VALUES (?, ?, ?, ?, ?, ?, ?)'),
    hold: db.prepare(`SELECT ${holdCols} FROM holds WHERE authorization_id = ?`),
    setStatus: db.prepare('UPDATE holds SET status = ? WHERE authorization_id = ?'),
    insertCapture: db.prepare('INSERT INTO captures VALUES (?, ?, ?, ?, ?)'),
    capture: db.prepare(`SELECT ${captureCols} FROM captures WHERE capture_id = ?`),
    insertRefund: db.prepare('INSERT INTO refunds VALUES (?, ?, ?, ?, ?)'),
    refundOf: db.prepare(`SELECT ${refundCols} FROM refunds WHERE capture_id = ?`),
    captureOf: db.prepare(`SELECT ${captureCols} FROM captures WHERE authorization_id = ?`),
    refund: db.prepare(`SELECT ${refundCols} FROM refunds WHERE refund_id = ?`),
    holdsOf: db.prepare(`SELECT ${holdCols} FROM holds WHERE order_id = ? ORDER BY created_at, rowid`),
    capturesOf: db.prepare(`SELECT ${captureCols} FROM captures WHERE order_id = ? ORDER BY created_at, rowid`),
    refundsOf: db.prepare(`SELECT ${refundCols} FROM refunds WHERE order_id = ? ORDER BY created_at, rowid`),
  };
  return {
    /** A hold; a confirmed PaymentIntent's hold takes the PaymentIntent's id. */
    createHold(h: Omit<Hold, 'authorizationId' | 'status' | 'createdAt'>, authorizationId = newId('auth')): Hold {
      const hold: Hold = { ...h, authorizationId, status: 'authorized', createdAt: now() };
      q.insertHold.run(
        hold.authorizationId,
        hold.orderId,
        hold.customerId,
        hold.amount,
        hold.currency,
        hold.status,
        hold.createdAt,
      );
      return hold;
    },
    hold: (id: string) => q.hold.get(id) as Hold | undefined,
    setHoldStatus(id: string, status: HoldStatus): void {
      q.setStatus.run(status, id);
    },
    /** A capture; a PaymentIntent's capture takes its charge's id. */
    createCapture(hold: Hold, amount: number, captureId = newId('cap')): Capture {
      const capture: Capture = {
        captureId,
        authorizationId: hold.authorizationId,
        orderId: hold.orderId,
        amount,
        createdAt: now(),
      };
      q.insertCapture.run(
        capture.captureId,
        capture.authorizationId,
        capture.orderId,
        capture.amount,
        capture.createdAt,
      );
      q.setStatus.run('captured', hold.authorizationId);
      return capture;
    },
    capture: (id: string) => q.capture.get(id) as Capture | undefined,
    captureOf: (authorizationId: string) => q.captureOf.get(authorizationId) as Capture | undefined,
    refund: (id: string) => q.refund.get(id) as Refund | undefined,
    refundOf: (captureId: string) => q.refundOf.get(captureId) as Refund | undefined,
    createRefund(capture: Capture, amount: number): Refund {
      const refund: Refund = {
        refundId: newId('re'),
        captureId: capture.captureId,
        orderId: capture.orderId,
        amount,
        createdAt: now(),
      };
      q.insertRefund.run(refund.refundId, refund.captureId, refund.orderId, refund.amount, refund.createdAt);
      return refund;
    },
    ledger(orderId: string) {
      return {
        orderId,
        authorizations: q.holdsOf.all(orderId) as unknown as Hold[],
        captures: q.capturesOf.all(orderId) as unknown as Capture[],
        refunds: q.refundsOf.all(orderId) as unknown as Refund[],
      };
    },
  };
}
export type PaymentStore = ReturnType<typeof createPaymentStore>;
