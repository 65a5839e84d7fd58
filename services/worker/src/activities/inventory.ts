import { inventoryLedgerSchema } from '@fake-stripe/kernel';
import type { DomainClient, OrderInput, Reservation } from '@fake-stripe/kernel';
import { callOptions, classify, readLedger, undoEach } from './calls.ts';
import type { CallContext, CompensationResult } from './calls.ts';

/** Reserving stock for an order, and releasing what the ledger says is still reserved. */
export function inventoryActivities({ inventory }: { inventory: DomainClient }) {
  return {
    async reserveInventory(c: CallContext & { items: OrderInput['items'] }): Promise<{ reservationId: string }> {
      const items = c.items.map(({ sku, quantity }) => ({ sku, quantity }));
      const r = await inventory
        .post<Reservation>('/inventory/reserve', { orderId: c.orderId, items }, callOptions('reserveInventory', c))
        .catch(classify);
      return { reservationId: r.reservationId };
    },

    async releaseInventory(c: CallContext): Promise<CompensationResult> {
      const { reservations } = await readLedger(inventory, 'inventory', c.orderId, inventoryLedgerSchema);
      const live = reservations.filter((r) => r.status === 'reserved').map((r) => r.reservationId);
      return undoEach(
        inventory,
        c,
        'releaseInventory',
        { path: '/inventory/release', field: 'reservationId' },
        live,
        'released',
      );
    },
  };
}
