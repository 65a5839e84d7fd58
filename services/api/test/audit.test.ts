/** The auditor's rules over hand-made ledgers: one case per rule, each way. */
import { auditOrder, auditStock, runAudit } from '../src/audit.ts';
import type { OrderLedgers } from '../src/audit.ts';
import type { Hold, Label, Reservation } from '@fake-stripe/kernel';

const hold = (status: Hold['status'], amount = 5998, authorizationId = 'auth_1') => ({
  authorizationId,
  amount,
  status,
});
const capture = (amount = 5998, captureId = 'cap_1', authorizationId = 'auth_1') => ({
  captureId,
  authorizationId,
  amount,
});
const refund = (amount = 5998, refundId = 're_1', captureId = 'cap_1') => ({ refundId, captureId, amount });
const reservation = (status: Reservation['status'], reservationId = 'res_1') => ({ reservationId, status });
const label = (status: Label['status'], labelId = 'lbl_1') => ({ labelId, status });

/** A correctly shipped order's ledgers. */
const shipped = (): OrderLedgers => ({
  payment: { authorizations: [hold('captured')], captures: [capture()], refunds: [] },
  inventory: { reservations: [reservation('reserved')] },
  shipping: { labels: [label('created')] },
});
/** A correctly compensated order's ledgers (captured, then refunded; stock released; label cancelled). */
const compensated = (): OrderLedgers => ({
  payment: { authorizations: [hold('captured')], captures: [capture()], refunds: [refund()] },
  inventory: { reservations: [reservation('released')] },
  shipping: { labels: [label('cancelled')] },
});
const rules = (orderId: string, status: Parameters<typeof auditOrder>[1], l: OrderLedgers) =>
  auditOrder(orderId, status, l).map((v) => v.rule);

describe('auditOrder: shipped', () => {
  it('accepts one capture of the authorized amount, no refund, one active label and reservation', () => {
    expect(auditOrder('ORD-1', 'shipped', shipped())).toEqual([]);
  });

  it('flags a shipped order without a capture, or with two', () => {
    const none = shipped();
    none.payment.captures = [];
    expect(rules('ORD-1', 'shipped', none)).toEqual(['shipped_one_capture']);
    const two = shipped();
    two.payment.captures.push(capture(5998, 'cap_2'));
    expect(rules('ORD-1', 'shipped', two)).toEqual(['shipped_one_capture']);
  });

  it('flags a capture that differs from its authorization, or has none', () => {
    const partial = shipped();
    partial.payment.captures = [capture(5000)];
    const [violation] = auditOrder('ORD-1', 'shipped', partial);
    expect(violation).toEqual({
      orderId: 'ORD-1',
      rule: 'shipped_capture_of_authorized_amount',
      detail: expect.stringContaining('5000'),
    });
    const orphan = shipped();
    orphan.payment.captures = [capture(5998, 'cap_1', 'auth_unknown')];
    expect(rules('ORD-1', 'shipped', orphan)).toEqual(['shipped_capture_of_authorized_amount']);
  });

  it('flags a refund of a shipped order', () => {
    const l = shipped();
    l.payment.refunds = [refund(100)];
    expect(rules('ORD-1', 'shipped', l)).toEqual(['shipped_no_refund']);
  });

  it('flags a shipped order without exactly one active label', () => {
    const cancelled = shipped();
    cancelled.shipping.labels = [label('cancelled')];
    expect(rules('ORD-1', 'shipped', cancelled)).toEqual(['shipped_one_active_label']);
    const two = shipped();
    two.shipping.labels.push(label('created', 'lbl_2'));
    expect(rules('ORD-1', 'shipped', two)).toEqual(['shipped_one_active_label']);
    const oneOfTwo = shipped();
    oneOfTwo.shipping.labels.push(label('cancelled', 'lbl_2'));
    expect(rules('ORD-1', 'shipped', oneOfTwo)).toEqual([]);
  });

  it('flags a shipped order without exactly one active reservation', () => {
    const released = shipped();
    released.inventory.reservations = [reservation('released')];
    expect(rules('ORD-1', 'shipped', released)).toEqual(['shipped_one_active_reservation']);
    const two = shipped();
    two.inventory.reservations.push(reservation('reserved', 'res_2'));
    expect(rules('ORD-1', 'shipped', two)).toEqual(['shipped_one_active_reservation']);
  });

  it('flags a second hold left authorized next to the captured one', () => {
    const l = shipped();
    l.payment.authorizations.push(hold('authorized', 5998, 'auth_2'));
    expect(auditOrder('ORD-1', 'shipped', l)).toEqual([
      { orderId: 'ORD-1', rule: 'no_live_hold', detail: expect.stringContaining('auth_2') },
    ]);
  });
});

describe.each(['failed', 'cancelled', 'rejected'] as const)('auditOrder: %s', (status) => {
  it('accepts a fully compensated order, and one that never got past authorization', () => {
    expect(auditOrder('ORD-2', status, compensated())).toEqual([]);
    const released: OrderLedgers = {
      payment: { authorizations: [hold('released')], captures: [], refunds: [] },
      inventory: { reservations: [] },
      shipping: { labels: [] },
    };
    expect(auditOrder('ORD-2', status, released)).toEqual([]);
    const declined: OrderLedgers = {
      payment: { authorizations: [], captures: [], refunds: [] },
      inventory: { reservations: [] },
      shipping: { labels: [] },
    };
    expect(auditOrder('ORD-2', status, declined)).toEqual([]);
  });

  it('flags a net charge: a capture without its refund, or a partial refund', () => {
    const unrefunded = compensated();
    unrefunded.payment.refunds = [];
    expect(auditOrder('ORD-2', status, unrefunded)).toEqual([
      { orderId: 'ORD-2', rule: 'net_charge_zero', detail: expect.stringContaining('= 5998') },
    ]);
    const partial = compensated();
    partial.payment.refunds = [refund(1000)];
    expect(rules('ORD-2', status, partial)).toEqual(['net_charge_zero']);
  });

  it('flags a hold still authorized', () => {
    const l: OrderLedgers = {
      payment: { authorizations: [hold('authorized')], captures: [], refunds: [] },
      inventory: { reservations: [] },
      shipping: { labels: [] },
    };
    expect(rules('ORD-2', status, l)).toEqual(['no_live_hold']);
  });

  it('flags a reservation still reserved', () => {
    const l = compensated();
    l.inventory.reservations = [reservation('released'), reservation('reserved', 'res_2')];
    expect(auditOrder('ORD-2', status, l)).toEqual([
      { orderId: 'ORD-2', rule: 'no_active_reservation', detail: expect.stringContaining('res_2') },
    ]);
  });

  it('flags a label still active, or a label job still pending', () => {
    const l = compensated();
    l.shipping.labels = [label('created')];
    expect(rules('ORD-2', status, l)).toEqual(['no_active_label']);
    l.shipping.labels = [label('pending')];
    expect(rules('ORD-2', status, l)).toEqual(['no_active_label']);
  });

  it('reports every broken rule of one order, not only the first', () => {
    const l: OrderLedgers = {
      payment: { authorizations: [hold('authorized')], captures: [capture()], refunds: [] },
      inventory: { reservations: [reservation('reserved')] },
      shipping: { labels: [label('created')] },
    };
    expect(rules('ORD-2', status, l).sort()).toEqual([
      'net_charge_zero',
      'no_active_label',
      'no_active_reservation',
      'no_live_hold',
    ]);
  });
});

describe('auditStock', () => {
  it('accepts total = available + reserved for every SKU', () => {
    expect(auditStock([{ sku: 'ITEM-001', total: 100, available: 97, reserved: 3 }])).toEqual([]);
  });

  it('flags a SKU whose units do not add up, or went negative', () => {
    expect(
      auditStock([
        { sku: 'ITEM-001', total: 100, available: 97, reserved: 3 },
        { sku: 'ITEM-002', total: 100, available: 99, reserved: 3 },
        { sku: 'ITEM-003', total: 0, available: -1, reserved: 1 },
      ]),
    ).toEqual([
      { sku: 'ITEM-002', rule: 'stock_conservation', detail: 'total 100 ≠ available 99 + reserved 3' },
      { sku: 'ITEM-003', rule: 'stock_conservation', detail: expect.stringContaining('negative') },
    ]);
  });
});

describe('runAudit', () => {
  const stock = [{ sku: 'ITEM-001', total: 10, available: 9, reserved: 1 }];

  it('judges terminal orders, lists stuck ones apart and skips orders in flight', async () => {
    const asked: string[] = [];
    const report = await runAudit({
      concurrency: 2,
      orders: () =>
        Promise.resolve([
          { orderId: 'ORD-S', status: 'shipped' },
          { orderId: 'ORD-F', status: 'failed' },
          { orderId: 'ORD-Z', status: 'compensation_stuck' },
          { orderId: 'ORD-A', status: 'compensation_stuck' },
          { orderId: 'ORD-R', status: 'reserving' },
        ]),
      ledgers: (orderId) => {
        asked.push(orderId);
        return Promise.resolve(
          orderId === 'ORD-S'
            ? shipped()
            : { ...compensated(), inventory: { reservations: [reservation('reserved')] } },
        );
      },
      stock: () => Promise.resolve(stock),
      now: () => new Date('2026-01-01T00:00:00Z'),
    });
    expect(asked.sort()).toEqual(['ORD-F', 'ORD-S']);
    expect(report).toEqual({
      ok: false,
      checkedOrders: 2,
      violations: [{ orderId: 'ORD-F', rule: 'no_active_reservation', detail: expect.any(String) }],
      stuck: ['ORD-A', 'ORD-Z'],
      checkedAt: '2026-01-01T00:00:00.000Z',
    });
  });

  it('is ok when nothing is violated: an order of every terminal status, each with balanced ledgers', async () => {
    const asked: string[] = [];
    const report = await runAudit({
      concurrency: 8,
      orders: () =>
        Promise.resolve([
          { orderId: 'ORD-S', status: 'shipped' },
          { orderId: 'ORD-F', status: 'failed' },
          { orderId: 'ORD-C', status: 'cancelled' },
          { orderId: 'ORD-R', status: 'rejected' },
          { orderId: 'ORD-P', status: 'capturing' },
        ]),
      ledgers: (orderId) => {
        asked.push(orderId);
        return Promise.resolve(orderId === 'ORD-S' ? shipped() : compensated());
      },
      stock: () => Promise.resolve(stock),
    });
    expect(asked.sort()).toEqual(['ORD-C', 'ORD-F', 'ORD-R', 'ORD-S']);
    expect(report).toMatchObject({ ok: true, checkedOrders: 4, violations: [], stuck: [] });
  });
});

describe('runAudit concurrency', () => {
  it('keeps at most `concurrency` ledger reads in flight and lists violations in the orders’ order', async () => {
    let inFlight = 0;
    let peak = 0;
    const delays = [5, 1, 4, 2, 3, 0, 6, 2];
    const report = await runAudit({
      concurrency: 3,
      orders: () => Promise.resolve(delays.map((_, i) => ({ orderId: `ORD-${i}`, status: 'shipped' }))),
      ledgers: async (orderId) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, delays[Number(orderId.slice(4))]));
        inFlight--;
        const ledgers = shipped();
        ledgers.payment.captures = []; // one violation per order, to see the order they come back in
        return ledgers;
      },
      stock: () => Promise.resolve([]),
    });
    expect(report.violations.map((v) => v.orderId)).toEqual(delays.map((_, i) => `ORD-${i}`));
    expect(peak).toBe(3);
  });
});
