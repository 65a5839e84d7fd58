import type { Db } from '@fake-stripe/kernel';
import { conflict, newId } from '@fake-stripe/kernel';
import type { LineItem, Reservation, Stock } from './domain.ts';

/** Stock per SKU and reservations, in SQLite. */
export function createInventoryStore(db: Db, seed: Stock[]) {
  db.exec(`
    CREATE TABLE IF NOT EXISTS stock (
      sku TEXT PRIMARY KEY, name TEXT NOT NULL,
      total INTEGER NOT NULL CHECK (total >= 0), available INTEGER NOT NULL CHECK (available >= 0));
    CREATE TABLE IF NOT EXISTS reservations (
      reservation_id TEXT PRIMARY KEY, order_id TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('reserved', 'released')), created_at TEXT NOT NULL, released_at TEXT);
    CREATE INDEX IF NOT EXISTS reservations_order ON reservations (order_id);
    CREATE TABLE IF NOT EXISTS reservation_items (
      reservation_id TEXT NOT NULL REFERENCES reservations, sku TEXT NOT NULL REFERENCES stock,
      quantity INTEGER NOT NULL CHECK (quantity > 0), PRIMARY KEY (reservation_id, sku));
  `);
  const seedRow = db.prepare('INSERT OR IGNORE INTO stock (sku, name, total, available) VALUES (?, ?, ?, ?)');
  for (const s of seed) seedRow.run(s.sku, s.name, s.total, s.available);

  const q = {
    stock: db.prepare('SELECT sku, name, total, available FROM stock WHERE sku = ?'),
    allStock: db.prepare(`SELECT s.sku, s.name, s.total, s.available,
        COALESCE((SELECT SUM(i.quantity) FROM reservation_items i JOIN reservations r USING (reservation_id)
                  WHERE i.sku = s.sku AND r.status = 'reserved'), 0) AS reserved
      FROM stock s ORDER BY s.sku`),
    take: db.prepare('UPDATE stock SET available = available - ? WHERE sku = ? AND available >= ?'),
    give: db.prepare('UPDATE stock SET available = available + ? WHERE sku = ?'),
    restock: db.prepare(`INSERT INTO stock (sku, name, total, available) VALUES (?, ?, ?, ?)
      ON CONFLICT (sku) DO UPDATE SET total = total + excluded.total, available = available + excluded.available`),
    insertReservation: db.prepare("INSERT INTO reservations VALUES (?, ?, 'reserved', ?, NULL)"),
    insertItem: db.prepare('INSERT INTO reservation_items VALUES (?, ?, ?)'),
    reservation: db.prepare(
      'SELECT reservation_id AS reservationId, order_id AS orderId, status, created_at AS createdAt, released_at AS releasedAt FROM reservations WHERE reservation_id = ?',
    ),
    reservationsOf: db.prepare(
      'SELECT reservation_id AS reservationId, order_id AS orderId, status, created_at AS createdAt, released_at AS releasedAt FROM reservations WHERE order_id = ? ORDER BY created_at, rowid',
    ),
    itemsOf: db.prepare('SELECT sku, quantity FROM reservation_items WHERE reservation_id = ? ORDER BY sku'),
    markReleased: db.prepare(
      "UPDATE reservations SET status = 'released', released_at = ? WHERE reservation_id = ? AND status = 'reserved'",
    ),
  };
  const withItems = (r: Omit<Reservation, 'items'>): Reservation => ({
    ...r,
    items: q.itemsOf.all(r.reservationId) as unknown as LineItem[],
  });

  return {
    stock: (sku: string) => q.stock.get(sku) as Stock | undefined,
    allStock: () => q.allStock.all() as unknown as Array<Stock & { reserved: number }>,
    /**
     * Takes the units of every line or none (the caller runs this in a transaction). `items` has one
     * line per SKU (merged), so its indexes are not the request's: the guard names only `items`.
     */
    reserve(orderId: string, items: LineItem[]): Reservation {
      const reservationId = newId('res');
      const createdAt = new Date().toISOString();
      q.insertReservation.run(reservationId, orderId, createdAt);
      for (const { sku, quantity } of items) {
        // The conditional update is the guard: stock can't go below zero even if checks raced.
        if (Number(q.take.run(quantity, sku, quantity).changes) !== 1)
          throw conflict('out_of_stock', `Not enough ${sku} in stock.`, 'items');
        q.insertItem.run(reservationId, sku, quantity);
      }
      return { reservationId, orderId, status: 'reserved', items, createdAt, releasedAt: null };
    },
    reservation(id: string): Reservation | undefined {
      const r = q.reservation.get(id) as Omit<Reservation, 'items'> | undefined;
      return r && withItems(r);
    },
    /** Restores the units once: a released reservation stays released. */
    release(reservation: Reservation): Reservation {
      const releasedAt = new Date().toISOString();
      if (Number(q.markReleased.run(releasedAt, reservation.reservationId).changes) === 1) {
        for (const { sku, quantity } of reservation.items) q.give.run(quantity, sku);
        return { ...reservation, status: 'released', releasedAt };
      }
      return reservation;
    },
    restock(sku: string, name: string, quantity: number): Stock {
      q.restock.run(sku, name, quantity, quantity);
      return q.stock.get(sku) as unknown as Stock;
    },
    ledger(orderId: string) {
      return {
        orderId,
        reservations: (q.reservationsOf.all(orderId) as unknown as Array<Omit<Reservation, 'items'>>).map(withItems),
      };
    },
  };
}
export type InventoryStore = ReturnType<typeof createInventoryStore>;
