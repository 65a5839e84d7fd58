import { randomBytes } from 'node:crypto';
import type { Db } from '@fake-stripe/kernel';
import { newTrackingNumber } from './domain.ts';
import type { Address, Label } from './domain.ts';

interface Row {
  labelId: string;
  orderId: string;
  trackingNumber: string;
  carrier: string;
  status: Label['status'];
  address: string;
  items: string;
  createdAt: string;
  cancelledAt: string | null;
}
const fromRow = (r: Row): Label => ({
  ...r,
  address: JSON.parse(r.address) as Address,
  items: JSON.parse(r.items) as Label['items'],
});

export function createShippingStore(db: Db) {
  db.exec(`
    CREATE TABLE IF NOT EXISTS labels (
      label_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, tracking_number TEXT NOT NULL UNIQUE, carrier TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('created', 'cancelled')), address TEXT NOT NULL, items TEXT NOT NULL,
      created_at TEXT NOT NULL, cancelled_at TEXT);
    CREATE INDEX IF NOT EXISTS labels_order ON labels (order_id);
  `);
  const cols = `label_id AS labelId, order_id AS orderId, tracking_number AS trackingNumber, carrier, status, address, items,
    created_at AS createdAt, cancelled_at AS cancelledAt`;
  const q = {
    insert: db.prepare("INSERT INTO labels VALUES (?, ?, ?, ?, 'created', ?, ?, ?, NULL)"),
    label: db.prepare(`SELECT ${cols} FROM labels WHERE label_id = ?`),
    labelsOf: db.prepare(`SELECT ${cols} FROM labels WHERE order_id = ? ORDER BY created_at, rowid`),
    cancel: db.prepare(
      "UPDATE labels SET status = 'cancelled', cancelled_at = ? WHERE label_id = ? AND status = 'created'",
    ),
  };
  const label = (id: string): Label | undefined => {
    const row = q.label.get(id) as Row | undefined;
    return row && fromRow(row);
  };
  return {
    create(orderId: string, address: Address, items: Label['items']): Label {
      const labelId = `lbl_${randomBytes(12).toString('hex')}`;
      q.insert.run(
        labelId,
        orderId,
        newTrackingNumber(),
        'UPS',
        JSON.stringify(address),
        JSON.stringify(items),
        new Date().toISOString(),
      );
      return label(labelId)!;
    },
    label,
    /** Cancels once; cancelling a cancelled label returns it unchanged. */
    cancel(l: Label): Label {
      q.cancel.run(new Date().toISOString(), l.labelId);
      return label(l.labelId)!;
    },
    ledger: (orderId: string) => ({ orderId, labels: (q.labelsOf.all(orderId) as unknown as Row[]).map(fromRow) }),
  };
}
export type ShippingStore = ReturnType<typeof createShippingStore>;
