import { join } from 'node:path';
import { openDb } from '@fake-stripe/kernel';
import { tempDir } from '@fake-stripe/kernel/testing';
import { createShippingStore } from '../src/store.ts';

const address = { street: '1 Main St', city: 'Austin', state: 'TX', zip: '73301', country: 'US' };
const items = [{ sku: 'ITEM-001', quantity: 1 }];

describe('shipping store', () => {
  it('makes a pending job a created label once its time has passed, and not before', () => {
    const data = tempDir();
    let now = Date.parse('2026-01-01T00:00:00Z');
    const store = createShippingStore(openDb(join(data.dir, 'shipping.sqlite')), () => now);
    const job = store.create('ORD-1', address, items, 5_000);
    expect(job).toMatchObject({
      status: 'pending',
      createdAt: '2026-01-01T00:00:00.000Z',
      readyAt: '2026-01-01T00:00:05.000Z',
    });
    now += 4_999;
    expect(store.label(job.labelId)!.status).toBe('pending');
    now += 1;
    expect(store.ledger('ORD-1').labels).toEqual([
      expect.objectContaining({ labelId: job.labelId, status: 'created' }),
    ]);
    data.remove();
  });

  it('moves a file of the earlier layout onto label jobs, keeping its labels', () => {
    const data = tempDir();
    const file = join(data.dir, 'shipping.sqlite');
    const old = openDb(file);
    old.exec(`
      CREATE TABLE labels (
        label_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, tracking_number TEXT NOT NULL UNIQUE, carrier TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('created', 'cancelled')), address TEXT NOT NULL, items TEXT NOT NULL,
        created_at TEXT NOT NULL, cancelled_at TEXT);
      CREATE INDEX labels_order ON labels (order_id);
      INSERT INTO labels VALUES ('lbl_old', 'ORD-OLD', '1ZOLD', 'UPS', 'created', '${JSON.stringify(address)}',
        '${JSON.stringify(items)}', '2025-06-01T10:00:00.000Z', NULL);
    `);
    old.close();
    const store = createShippingStore(openDb(file));
    expect(store.ledger('ORD-OLD').labels).toEqual([
      expect.objectContaining({ labelId: 'lbl_old', status: 'created', readyAt: '2025-06-01T10:00:00.000Z', address }),
    ]);
    // The new layout takes jobs.
    expect(store.create('ORD-NEW', address, items, 60_000).status).toBe('pending');
    expect(store.cancel(store.label('lbl_old')!).status).toBe('cancelled');
    data.remove();
  });
});
