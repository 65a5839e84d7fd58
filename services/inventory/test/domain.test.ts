import { checkReservable, mergeItems, seedCatalog } from '../src/domain.ts';

describe('mergeItems', () => {
  it('adds up repeated SKUs so a request cannot take more than the stock line by line', () => {
    expect(
      mergeItems([
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
        { sku: 'A', quantity: 3 },
      ]),
    ).toEqual([
      { sku: 'A', quantity: 5 },
      { sku: 'B', quantity: 1 },
    ]);
  });
});

describe('checkReservable', () => {
  const stock = new Map(seedCatalog(4).map((s) => [s.sku, s]));
  it('accepts lines that fit', () => {
    expect(() => checkReservable([{ sku: 'ITEM-001', quantity: 4 }], (sku) => stock.get(sku))).not.toThrow();
  });
  it('names the first line that is short', () => {
    expect(() =>
      checkReservable(
        [
          { sku: 'ITEM-001', quantity: 1 },
          { sku: 'ITEM-002', quantity: 5 },
        ],
        (sku) => stock.get(sku),
      ),
    ).toThrow(expect.objectContaining({ code: 'out_of_stock', param: 'items[1].quantity', status: 409 }));
  });
  it('names an unknown SKU', () => {
    expect(() => checkReservable([{ sku: 'NOPE', quantity: 1 }], (sku) => stock.get(sku))).toThrow(
      expect.objectContaining({ code: 'resource_missing', param: 'items[0].sku', status: 404 }),
    );
  });
});
