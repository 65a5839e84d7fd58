import { newId, transaction } from '@fake-stripe/kernel';
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
  readyAt: number;
  cancelledAt: string | null;
}
const fromRow = ({ readyAt, ...r }: Row): Label => ({
  ...r,
  address: JSON.parse(r.address) as Address,
  items: JSON.parse(r.items) as Label['items'],
  readyAt: new Date(readyAt).toISOString(),
});

const LABELS = `
  CREATE TABLE labels (
    label_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, tracking_number TEXT NOT NULL UNIQUE, carrier TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'created', 'cancelled')), address TEXT NOT NULL, items TEXT NOT NULL,
    created_at TEXT NOT NULL, cancelled_at TEXT,
    ready_at INTEGER NOT NULL); -- epoch ms when a pending label becomes created
  CREATE INDEX labels_order ON labels (order_id);
  CREATE INDEX labels_pending ON labels (ready_at) WHERE status = 'pending';
`;

/** Creates the labels table, or moves a file of the earlier layout (no label jobs) onto this one. */
function migrate(db: Db): void {
  const columns = (db.prepare('PRAGMA table_info(labels)').all() as Array<{ name: string }>).map((c) => c.name);
  if (columns.includes('ready_at')) return;
  transaction(db, () => {
    if (columns.length === 0) {
      db.exec(LABELS);
      return;
    }
    // Its labels were made before they were stored: each was ready when it was created.
    db.exec(`DROP INDEX IF EXISTS labels_order; ALTER TABLE labels RENAME TO labels_old; ${LABELS}
      INSERT INTO labels SELECT label_id, order_id, tracking_number, carrier, status, address, items, created_at,
        cancelled_at, CAST(unixepoch(created_at, 'subsec') * 1000 AS INTEGER) FROM labels_old;
      DROP TABLE labels_old;`);
  });
}

export function createShippingStore(db: Db, now: () => number = Date.now) {
  migrate(db);
  const cols = `label_id AS labelId, order_id AS orderId, tracking_number AS trackingNumber, carrier, status, address, items,
    created_at AS createdAt, ready_at AS readyAt, cancelled_at AS cancelledAt`;
  const q = {
    insert: db.prepare(
      `INSERT INTO labels (label_id, order_id, tracking_number, carrier, status, address, items, created_at, ready_at)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)`,
    ),
    settle: db.prepare("UPDATE labels SET status = 'created' WHERE status = 'pending' AND ready_at <= ?"),
    label: db.prepare(`SELECT ${cols} FROM labels WHERE label_id = ?`),
    labelsOf: db.prepare(`SELECT ${cols} FROM labels WHERE order_id = ? ORDER BY created_at, rowid`),
    cancel: db.prepare(
      "UPDATE labels SET status = 'cancelled', cancelled_at = ? WHERE label_id = ? AND status IN ('pending', 'created')",
    ),
  };
  /** Pending labels whose time has passed are created: the carrier finished them, watched or not. */
  const settle = (): void => {
    q.settle.run(now());
  };
  const label = (id: string): Label | undefined => {
    settle();
    const row = q.label.get(id) as Row | undefined;
    return row && fromRow(row);
  };
  /** A label this store wrote: labels are never deleted, so its row is there. */
  const stored = (id: string): Label => {
    const found = label(id);
    if (!found) throw new Error(`Label ${id} is missing from the store that wrote it.`);
    return found;
  };
  return {
    /** Starts a label job that is ready after `labelMs`; it is kept (durably) whatever its caller does. */
    create(orderId: string, address: Address, items: Label['items'], labelMs: number): Label {
      const labelId = newId('lbl');
      const at = now();
      q.insert.run(
        labelId,
        orderId,
        newTrackingNumber(),
        'UPS',
        JSON.stringify(address),
        JSON.stringify(items),
        new Date(at).toISOString(),
        at + labelMs,
      );
      return stored(labelId);
    },
    label,
    stored,
    /** Cancels once, a pending job (it never becomes created) or a label; a cancelled label is returned unchanged. */
    cancel(l: Label): Label {
      settle();
      q.cancel.run(new Date(now()).toISOString(), l.labelId);
      return stored(l.labelId);
    },
    ledger: (orderId: string) => {
      settle();
      return { orderId, labels: (q.labelsOf.all(orderId) as unknown as Row[]).map(fromRow) };
    },
  };
}
export type ShippingStore = ReturnType<typeof createShippingStore>;
