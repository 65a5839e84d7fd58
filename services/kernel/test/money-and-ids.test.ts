/**
 * The money and id rules of the order contract (issue 8 items 1 and 2): an amount is a whole number
 * of cents (float noise from adding such numbers aside), at least 0.01; an id is 1–64 (a workflow id
 * 1–255) of A-Z a-z 0-9 _ . : -.
 */
import {
  customerIdSchema,
  decimalAmountSchema,
  exactMinorUnits,
  orderIdSchema,
  orderRequestSchema,
  skuSchema,
  workflowIdSchema,
} from '../src/index.ts';
import { sampleOrderRequest } from '../src/testing.ts';

describe('decimalAmountSchema', () => {
  it.each([
    ['29.99', 29.99, 2999],
    ['0.01', 0.01, 1],
    ['0.1 + 0.2 (0.30000000000000004)', 0.1 + 0.2, 30],
    ['1.1 * 3 (3.3000000000000003)', 1.1 * 3, 330],
    ['29.99 * 2 + 0.1 + 0.2', 29.99 * 2 + 0.1 + 0.2, 6028],
    ['the largest amount', 1_000_000, 100_000_000],
    ['a sum of 100 lines of 19.99', Array.from({ length: 100 }, () => 19.99).reduce((a, b) => a + b, 0), 199_900],
  ])('accepts %s, converting it exactly to minor units', (_what, amount, minor) => {
    expect(decimalAmountSchema.safeParse(amount).success).toBe(true);
    expect(exactMinorUnits(amount)).toBe(minor);
  });

  it.each([
    ['a sub-cent price that rounds to 0 (1e-9)', 1e-9],
    ['29.999999999 (would be charged as 30.00)', 29.999999999],
    ['59.985', 59.985],
    ['0.005 (half a cent)', 0.005],
    ['0.009999', 0.009999],
    ['1000.000000001', 1000.000000001],
    ['zero', 0],
    ['a negative amount', -5],
    ['more than 1,000,000', 1_000_000.01],
  ])('refuses %s', (_what, amount) => {
    expect(decimalAmountSchema.safeParse(amount).success).toBe(false);
  });
});

describe('orderRequestSchema', () => {
  const order = (overrides: Record<string, unknown>) => orderRequestSchema.safeParse(sampleOrderRequest(overrides));
  const firstIssue = (overrides: Record<string, unknown>) => {
    const parsed = order(overrides);
    expect(parsed.success).toBe(false);
    return parsed.error!.issues[0]!.path.join('.');
  };

  it('refuses the free-goods order: 5 units at 1e-9 beside a 10.00 line, total 10', () => {
    const items = [
      { sku: 'ITEM-001', quantity: 1, price: 10 },
      { sku: 'ITEM-004', quantity: 5, price: 1e-9 },
    ];
    expect(firstIssue({ items, totalAmount: 10 })).toBe('items.1.price');
  });

  it('refuses a total of 1e-9 and a price of 29.999999999', () => {
    expect(firstIssue({ items: [{ sku: 'ITEM-001', quantity: 1, price: 0.01 }], totalAmount: 1e-9 })).toBe(
      'totalAmount',
    );
    expect(firstIssue({ items: [{ sku: 'ITEM-001', quantity: 1, price: 29.999999999 }], totalAmount: 30 })).toBe(
      'items.0.price',
    );
  });

  it('accepts a total a client summed in floating point', () => {
    const items = [
      { sku: 'ITEM-001', quantity: 2, price: 29.99 },
      { sku: 'ITEM-002', quantity: 1, price: 0.1 },
      { sku: 'ITEM-003', quantity: 1, price: 0.2 },
    ];
    const totalAmount = items.reduce((sum, i) => sum + i.price * i.quantity, 0);
    expect(order({ items, totalAmount }).success).toBe(true);
  });

  it.each([
    ['orderId', { orderId: 'ORD-🚀-1' }],
    ['orderId', { orderId: 'ORD-BEL\u0007-1' }],
    ['orderId', { orderId: ' ORD-1' }],
    ['customerId', { customerId: 'CUST 1' }],
    ['customerId', { customerId: 'CUST-é' }],
    ['items.0.sku', { items: [{ sku: 'ITEM-\u0000', quantity: 2, price: 29.99 }] }],
  ])('refuses an id outside the rule, naming %s', (path, overrides) => {
    expect(firstIssue(overrides)).toBe(path);
  });
});

describe('the id rule', () => {
  it.each([
    ['order id', 'ORD-001', true, orderIdSchema],
    ['order id', 'a.b:c_d-9', true, orderIdSchema],
    ['order id', 'x'.repeat(64), true, orderIdSchema],
    ['order id', 'x'.repeat(65), false, orderIdSchema],
    ['order id', '', false, orderIdSchema],
    ['order id', 'ORD/1', false, orderIdSchema],
    ['order id', 'ORD\t1', false, orderIdSchema],
    ['customer id', 'CUST-001', true, customerIdSchema],
    ['customer id', 'CUST-🚀', false, customerIdSchema],
    ['SKU', 'ITEM-001', true, skuSchema],
    ['SKU', 'ITEM 001', false, skuSchema],
    ['workflow id', `order-fulfillment-${'x'.repeat(64)}`, true, workflowIdSchema],
    ['workflow id', 'w'.repeat(255), true, workflowIdSchema],
    ['workflow id', 'w'.repeat(256), false, workflowIdSchema],
    ['workflow id', 'order-fulfillment-ORD-BEL\u0007-1', false, workflowIdSchema],
  ])('%s %j is valid: %s', (_what, id, ok, schema) => {
    expect(schema.safeParse(id).success).toBe(ok);
  });
});
