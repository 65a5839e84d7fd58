/**
 * The auditor: plain functions over the domains' ledgers, so the proof that nothing leaked rests on
 * what the services recorded, not on what the workflows believe. For every order in a terminal
 * state, money and stock must balance; globally, stock is conserved per SKU.
 */
import pMap from 'p-map';
import {
  captureSchema,
  holdSchema,
  isTerminal,
  labelSchema,
  refundSchema,
  reservationSchema,
  stockListSchema as fullStockList,
} from '@fake-stripe/kernel';
import type { TerminalStatus } from '@fake-stripe/kernel';
import { z } from 'zod';

// Only the ledger fields the rules read, picked from the shared ledger schemas; anything else a
// domain adds is ignored.
export const paymentLedgerSchema = z.object({
  authorizations: z.array(holdSchema.pick({ authorizationId: true, amount: true, status: true })),
  captures: z.array(captureSchema.pick({ captureId: true, authorizationId: true, amount: true })),
  refunds: z.array(refundSchema.pick({ refundId: true, captureId: true, amount: true })),
});
export const inventoryLedgerSchema = z.object({
  reservations: z.array(reservationSchema.pick({ reservationId: true, status: true })),
});
export const shippingLedgerSchema = z.object({
  labels: z.array(labelSchema.pick({ labelId: true, status: true })),
});

export const stockListSchema = z.object({
  items: z.array(fullStockList.shape.items.element.pick({ sku: true, total: true, available: true, reserved: true })),
});

export type PaymentLedger = z.infer<typeof paymentLedgerSchema>;
export type InventoryLedger = z.infer<typeof inventoryLedgerSchema>;
export type ShippingLedger = z.infer<typeof shippingLedgerSchema>;
export type StockItem = z.infer<typeof stockListSchema>['items'][number];
export interface OrderLedgers {
  payment: PaymentLedger;
  inventory: InventoryLedger;
  shipping: ShippingLedger;
}

export interface Violation {
  orderId?: string;
  sku?: string;
  rule: string;
  detail: string;
}
export interface AuditReport {
  ok: boolean;
  checkedOrders: number;
  violations: Violation[];
  stuck: string[];
  checkedAt: string;
}

const sum = (xs: Array<{ amount: number }>): number => xs.reduce((acc, x) => acc + x.amount, 0);
const ids = (xs: Array<Record<string, unknown>>, key: string): string => xs.map((x) => String(x[key])).join(', ');

/** Holds still authorized (money held, neither captured nor released). */
const liveHolds = (l: PaymentLedger) => l.authorizations.filter((a) => a.status === 'authorized');
const activeReservations = (l: InventoryLedger) => l.reservations.filter((r) => r.status === 'reserved');
/** Labels not cancelled: made, or still being made (a pending job becomes a label without anyone asking). */
const activeLabels = (l: ShippingLedger) => l.labels.filter((x) => x.status !== 'cancelled');

/**
 * The rules for one order in a terminal state.
 * - shipped ⇒ exactly one capture, of its authorization's amount; no refund; one active label; one
 *   active reservation; no hold left live.
 * - failed/cancelled/rejected ⇒ net charge (captures − refunds) 0; no live hold; no active
 *   reservation; no active label.
 */
export function auditOrder(orderId: string, status: TerminalStatus, l: OrderLedgers): Violation[] {
  const violations: Violation[] = [];
  const violate = (rule: string, detail: string): void => {
    violations.push({ orderId, rule, detail });
  };
  const holds = liveHolds(l.payment);
  if (holds.length > 0)
    violate(
      'no_live_hold',
      `${holds.length} hold(s) still authorized (${ids(holds, 'authorizationId')}), ${sum(holds)} held`,
    );

  if (status === 'shipped') {
    const { captures, refunds, authorizations } = l.payment;
    if (captures.length !== 1) violate('shipped_one_capture', `expected exactly one capture, found ${captures.length}`);
    for (const capture of captures) {
      const hold = authorizations.find((a) => a.authorizationId === capture.authorizationId);
      if (!hold)
        violate(
          'shipped_capture_of_authorized_amount',
          `capture ${capture.captureId} has no authorization in the ledger`,
        );
      else if (capture.amount !== hold.amount)
        violate(
          'shipped_capture_of_authorized_amount',
          `capture ${capture.captureId} is ${capture.amount}, authorization ${hold.authorizationId} is ${hold.amount}`,
        );
    }
    if (refunds.length > 0)
      violate('shipped_no_refund', `${refunds.length} refund(s) (${ids(refunds, 'refundId')}) of a shipped order`);
    const labels = activeLabels(l.shipping);
    if (labels.length !== 1) violate('shipped_one_active_label', `expected one active label, found ${labels.length}`);
    const reservations = activeReservations(l.inventory);
    if (reservations.length !== 1)
      violate('shipped_one_active_reservation', `expected one active reservation, found ${reservations.length}`);
    return violations;
  }

  const net = sum(l.payment.captures) - sum(l.payment.refunds);
  if (net !== 0)
    violate(
      'net_charge_zero',
      `captured ${sum(l.payment.captures)} − refunded ${sum(l.payment.refunds)} = ${net}, expected 0`,
    );
  const reservations = activeReservations(l.inventory);
  if (reservations.length > 0)
    violate(
      'no_active_reservation',
      `${reservations.length} reservation(s) still reserved (${ids(reservations, 'reservationId')})`,
    );
  const labels = activeLabels(l.shipping);
  if (labels.length > 0)
    violate('no_active_label', `${labels.length} label(s) still active (${ids(labels, 'labelId')})`);
  return violations;
}

/** Stock conservation per SKU: total = available + reserved, and neither is negative. */
export function auditStock(items: StockItem[]): Violation[] {
  const violations: Violation[] = [];
  for (const item of items) {
    if (item.available < 0 || item.reserved < 0)
      violations.push({
        sku: item.sku,
        rule: 'stock_conservation',
        detail: `negative stock: available ${item.available}, reserved ${item.reserved}`,
      });
    else if (item.total !== item.available + item.reserved)
      violations.push({
        sku: item.sku,
        rule: 'stock_conservation',
        detail: `total ${item.total} ≠ available ${item.available} + reserved ${item.reserved}`,
      });
  }
  return violations;
}

export interface AuditDeps {
  /** Orders in a terminal state or compensation_stuck (from visibility). */
  orders: () => Promise<Array<{ orderId: string; status: string }>>;
  ledgers: (orderId: string) => Promise<OrderLedgers>;
  stock: () => Promise<StockItem[]>;
  /** The subscription rules' violations (audit-subscriptions.ts). */
  subscriptions?: () => Promise<Violation[]>;
  concurrency: number;
  now?: () => Date;
}

/** The whole report: every terminal order's rules, the stuck orders listed apart, stock, and subscriptions. */
export async function runAudit(deps: AuditDeps): Promise<AuditReport> {
  const orders = await deps.orders();
  const stuck = orders.filter((o) => o.status === 'compensation_stuck').map((o) => o.orderId);
  const judged = orders.flatMap((o) => (isTerminal(o.status) ? [{ orderId: o.orderId, status: o.status }] : []));
  const [perOrder, stock, subscriptions] = await Promise.all([
    pMap(judged, async (o) => auditOrder(o.orderId, o.status, await deps.ledgers(o.orderId)), {
      concurrency: deps.concurrency,
    }),
    deps.stock(),
    deps.subscriptions?.() ?? [],
  ]);
  const violations = [...perOrder.flat(), ...auditStock(stock), ...subscriptions];
  return {
    ok: violations.length === 0,
    checkedOrders: judged.length,
    violations,
    stuck: stuck.sort(),
    checkedAt: (deps.now?.() ?? new Date()).toISOString(),
  };
}
