import { conflict, notFound } from '@fake-stripe/kernel';

/** Inventory rules: stock never goes negative; a release restores stock once. */
export type { Reservation, Stock } from '@fake-stripe/kernel';
import type { Reservation, Stock } from '@fake-stripe/kernel';

export interface LineItem {
  sku: string;
  quantity: number;
}

/** The seeded catalog: ITEM-001 … ITEM-020. */
export const seedCatalog = (units: number): Stock[] =>
  Array.from({ length: 20 }, (_, i) => {
    const sku = `ITEM-${String(i + 1).padStart(3, '0')}`;
    return { sku, name: `Catalog item ${i + 1}`, total: units, available: units };
  });

/** One line per SKU: repeated SKUs in a request add up (an order may list a SKU on several lines). */
export function mergeItems(items: LineItem[]): LineItem[] {
  const merged = new Map<string, number>();
  for (const { sku, quantity } of items) merged.set(sku, (merged.get(sku) ?? 0) + quantity);
  return [...merged].map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * Every SKU must exist and have the units of all its lines together. Names the request's own first
 * line that fails: an unknown SKU's first line, or the line at which the SKU's running total first
 * exceeds the stock (so `[A, B, B, C×9999]` blames `items[3]`, not C's place among merged lines).
 */
export function checkReservable(items: LineItem[], stockOf: (sku: string) => Stock | undefined): void {
  const requested = new Map<string, number>();
  items.forEach(({ sku, quantity }, i) => {
    const stock = stockOf(sku);
    if (!stock) throw notFound(`No such SKU: ${sku}.`, `items[${i}].sku`);
    const total = (requested.get(sku) ?? 0) + quantity;
    requested.set(sku, total);
    if (stock.available < total)
      throw conflict(
        'out_of_stock',
        total === quantity
          ? `Only ${stock.available} of ${sku} available; ${quantity} requested.`
          : `Only ${stock.available} of ${sku} available; ${total} requested by this line and earlier ones.`,
        `items[${i}].quantity`,
      );
  });
}

export function checkRelease(reservation: Reservation | undefined): Reservation {
  if (!reservation) throw notFound('No such reservation.', 'reservationId');
  return reservation;
}
