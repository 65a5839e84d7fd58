import { defineRoute, orderQuerySchema } from '@fake-stripe/kernel';
import type { OperationSpec, Route } from '@fake-stripe/kernel';
import { conflict } from '@fake-stripe/kernel';
import { checkRelease, checkReservable, mergeItems } from './domain.ts';
import {
  ledgerSchema,
  releaseBody,
  reservationSchema,
  reserveBody,
  restockBody,
  stockListSchema,
  stockSchema,
} from './schemas.ts';
import type { InventoryStore } from './store.ts';

export const inventoryChaos: Record<string, OperationSpec> = {
  reserve: {
    weights: { success: 50, out_of_stock: 30, timeout: 20 },
    businessErrors: { out_of_stock: () => conflict('out_of_stock', 'Not enough stock for this order.', 'items') },
  },
  release: { weights: { success: 90, timeout: 10 } },
};

export function inventoryRoutes(store: InventoryStore): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/inventory/reserve',
      operationId: 'reserveInventory',
      summary: 'Reserve every line of an order atomically, or none',
      chaos: 'reserve',
      status: 201,
      body: reserveBody,
      response: reservationSchema,
      errors: { 404: 'Unknown SKU', 409: 'Out of stock' },
      handler: ({ body }) => {
        checkReservable(body.items, store.stock);
        return store.reserve(body.orderId, mergeItems(body.items));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/inventory/release',
      operationId: 'releaseInventory',
      summary: 'Release a reservation, restoring its stock once (idempotent)',
      chaos: 'release',
      body: releaseBody,
      response: reservationSchema,
      errors: { 404: 'Unknown reservation' },
      handler: ({ body }) => store.release(checkRelease(store.reservation(body.reservationId))),
    }),
    defineRoute({
      method: 'post',
      path: '/inventory/restock',
      operationId: 'restockInventory',
      summary: 'Add units of a SKU, creating it when new (admin)',
      admin: true,
      body: restockBody,
      response: stockSchema,
      errors: { 401: 'Missing or wrong admin token' },
      handler: ({ body }) => store.restock(body.sku, body.name ?? body.sku, body.quantity),
    }),
    defineRoute({
      method: 'get',
      path: '/inventory/stock',
      operationId: 'listStock',
      summary: 'Stock per SKU: total, available and reserved (total = available + reserved)',
      response: stockListSchema,
      handler: () => ({ items: store.allStock() }),
    }),
    defineRoute({
      method: 'get',
      path: '/inventory/ledger',
      operationId: 'getInventoryLedger',
      summary: 'Every reservation of an order (for the auditor)',
      query: orderQuerySchema,
      service: true,
      response: ledgerSchema,
      handler: ({ query }) => store.ledger(query.orderId),
    }),
  ];
}
