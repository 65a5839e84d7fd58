/**
 * The group commit (db.ts): the writes of one event-loop turn share a transaction, each request in its
 * own savepoint, and `durable()` resolves only once they are on disk — seen from a second connection
 * to the same file, as another process would see them.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  IDLE_CHECKPOINT_MS,
  WAL_AUTOCHECKPOINT_PAGES,
  closeDb,
  durable,
  inGroup,
  openDb,
  transaction,
} from '@fake-stripe/kernel';
import { eventually, tempDir } from '@fake-stripe/kernel/testing';

const dir = tempDir('group-commit-');
afterAll(() => dir.remove());
let n = 0;

function files() {
  const file = join(dir.dir, `g${++n}.sqlite`);
  const db = openDb(file);
  db.exec(`CREATE TABLE parent (id TEXT PRIMARY KEY);
    CREATE TABLE t (id TEXT PRIMARY KEY,
      parent TEXT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)`);
  const reader = new DatabaseSync(file, { readOnly: true });
  const seen = (): string[] =>
    (reader.prepare('SELECT id FROM t ORDER BY id').all() as Array<{ id: string }>).map((r) => r.id);
  const insert = (id: string, parent: string | null = null) =>
    db.prepare('INSERT INTO t (id, parent) VALUES (?, ?)').run(id, parent);
  return { db, file, reader, seen, insert, close: () => (reader.close(), closeDb(db)) };
}

describe('the group commit', () => {
  it('commits the writes of one turn together, and durable() resolves only after they are visible', async () => {
    const f = files();
    inGroup(f.db, () => f.insert('a'));
    inGroup(f.db, () => f.insert('b'));
    let done = false;
    const waited = durable(f.db).then(() => (done = true));
    await Promise.resolve();
    // Not yet committed: another connection sees nothing, and no one has been told.
    expect({ done, seen: f.seen() }).toEqual({ done: false, seen: [] });
    await waited;
    expect(f.seen()).toEqual(['a', 'b']);
    f.close();
  });

  it('rolls back only the request that threw; the others of its turn commit', async () => {
    const f = files();
    inGroup(f.db, () => f.insert('kept-1'));
    expect(() =>
      inGroup(f.db, () => {
        f.insert('lost');
        throw new Error('business error');
      }),
    ).toThrow('business error');
    inGroup(f.db, () => f.insert('kept-2'));
    await durable(f.db);
    expect(f.seen()).toEqual(['kept-1', 'kept-2']);
    f.close();
  });

  it('resolves at once when nothing is pending', async () => {
    const f = files();
    await expect(durable(f.db)).resolves.toBeUndefined();
    f.close();
  });

  it('commits an open group before a transaction of its own, which is durable when it returns', () => {
    const f = files();
    inGroup(f.db, () => f.insert('grouped'));
    transaction(f.db, () => f.insert('own'));
    expect(f.seen()).toEqual(['grouped', 'own']);
    f.close();
  });

  it('rejects every waiter of a group whose COMMIT fails, and keeps none of its writes', async () => {
    const f = files();
    inGroup(f.db, () => f.insert('fine'));
    // A deferred foreign key is checked at COMMIT: this row makes the whole group's commit fail.
    inGroup(f.db, () => f.insert('orphan', 'no-such-parent'));
    await expect(durable(f.db)).rejects.toThrow(/FOREIGN KEY constraint failed/);
    expect(f.seen()).toEqual([]);
    // The connection is usable again: the next turn commits.
    inGroup(f.db, () => f.insert('next'));
    await durable(f.db);
    expect(f.seen()).toEqual(['next']);
    f.close();
  });

  it('commits what is pending when the file is closed', () => {
    const f = files();
    inGroup(f.db, () => f.insert('pending'));
    f.reader.close();
    closeDb(f.db);
    const again = new DatabaseSync(join(dir.dir, `g${n}.sqlite`), { readOnly: true });
    expect(again.prepare('SELECT id FROM t').all()).toEqual([{ id: 'pending' }]);
    again.close();
  });

  it('checkpoints during a commit only past WAL_AUTOCHECKPOINT_PAGES, and empties the WAL once idle', async () => {
    const f = files();
    expect(f.db.prepare('PRAGMA wal_autocheckpoint').get()).toEqual({ wal_autocheckpoint: WAL_AUTOCHECKPOINT_PAGES });
    const walBytes = (): number => statSync(`${f.file}-wal`).size;
    for (let i = 0; i < 100; i++) inGroup(f.db, () => f.insert(`row-${i}`));
    await durable(f.db);
    const committedAt = Date.now();
    // Committed (another connection reads it) and still in the WAL: no checkpoint ran in the commit.
    expect(f.seen()).toHaveLength(100);
    expect(walBytes()).toBeGreaterThan(0);
    await eventually(() => walBytes() === 0, 'the idle checkpoint to empty the WAL', { timeoutMs: 5_000 });
    expect(Date.now() - committedAt).toBeGreaterThanOrEqual(IDLE_CHECKPOINT_MS - 50);
    // Everything is in the database file now, and the next commit works as before.
    expect(f.seen()).toHaveLength(100);
    inGroup(f.db, () => f.insert('after'));
    await durable(f.db);
    expect(f.seen()).toHaveLength(101);
    f.close();
  });
});
