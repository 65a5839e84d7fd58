/** The shared order contracts: the status helpers, the state schema and the sample order. */
import {
  isTerminal,
  isTerminalOrCompensating,
  orderRequestSchema,
  orderStateSchema,
  orderStatuses,
  sampleOrder,
  searchAttributeValues,
  visibilityStatus,
  visibilityStatuses,
} from '@fake-stripe/kernel/contracts';

describe('order statuses', () => {
  it('calls exactly shipped, failed, cancelled and rejected terminal', () => {
    expect(orderStatuses.filter(isTerminal)).toEqual(['shipped', 'failed', 'cancelled', 'rejected']);
    expect(isTerminal('compensation_stuck')).toBe(false);
    expect(isTerminal('nonsense')).toBe(false);
  });

  it('counts compensating and compensation_stuck as too late to cancel, besides the terminal ones', () => {
    expect(orderStatuses.filter(isTerminalOrCompensating)).toEqual([
      'compensating',
      'compensation_stuck',
      'shipped',
      'failed',
      'cancelled',
      'rejected',
    ]);
  });
});

describe('visibility statuses', () => {
  it('lists every forward step as in_progress and keeps the statuses users filter by', () => {
    expect(Object.fromEntries(orderStatuses.map((s) => [s, visibilityStatus(s)]))).toEqual({
      pending: 'in_progress',
      authorizing: 'in_progress',
      awaiting_approval: 'awaiting_approval',
      reserving: 'in_progress',
      capturing: 'in_progress',
      shipping: 'in_progress',
      notifying: 'in_progress',
      compensating: 'compensating',
      compensation_stuck: 'compensation_stuck',
      shipped: 'shipped',
      failed: 'failed',
      cancelled: 'cancelled',
      rejected: 'rejected',
    });
    expect(new Set(orderStatuses.map(visibilityStatus))).toEqual(new Set(visibilityStatuses));
  });

  it("matches in_progress also by the step statuses that older orders' search attribute shows", () => {
    expect(searchAttributeValues('in_progress')).toEqual([
      'in_progress',
      'pending',
      'authorizing',
      'reserving',
      'capturing',
      'shipping',
      'notifying',
    ]);
    expect(searchAttributeValues('compensation_stuck')).toEqual(['compensation_stuck']);
    expect(searchAttributeValues('shipped')).toEqual(['shipped']);
  });
});

describe('orderStateSchema', () => {
  const state = { orderId: 'ORD-1', status: 'shipped', completedSteps: ['authorize'], compensations: [], progress: 15 };

  it('accepts a state and refuses an unknown step, status or compensation', () => {
    expect(orderStateSchema.parse(state)).toEqual(state);
    expect(orderStateSchema.safeParse({ ...state, completedSteps: ['teleport'] }).success).toBe(false);
    expect(orderStateSchema.safeParse({ ...state, status: 'lost' }).success).toBe(false);
    expect(
      orderStateSchema.safeParse({ ...state, compensations: [{ step: 'refundTwice', outcome: 'refunded' }] }).success,
    ).toBe(false);
  });
});

describe('sampleOrder', () => {
  it('is a valid order request, with overrides applied', () => {
    expect(orderRequestSchema.parse(sampleOrder('ORD-S1'))).toMatchObject({ orderId: 'ORD-S1', totalAmount: 59.98 });
    const two = sampleOrder('ORD-S2', {
      items: [
        { sku: 'ITEM-001', quantity: 1, price: 29.99 },
        { sku: 'ITEM-002', quantity: 1, price: 1 },
      ],
      totalAmount: 30.99,
    });
    expect(orderRequestSchema.safeParse(two).success).toBe(true);
  });
});
