import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export type Db = DatabaseSync;

/**
 * Opens (creating) a service's SQLite file in WAL mode with `synchronous=NORMAL`: a committed
 * transaction is in the WAL (the operating system's page cache) before the call returns, so it
 * survives the process being killed (ledgers must outlive their process; the SIGKILL tests prove it);
 * only an OS crash or power cut can lose the last transactions, which is SQLite's recommended trade
 * for WAL. `SQLITE_SYNCHRONOUS=FULL` makes every group commit wait for fsync as well.
 *
 * Checkpoints (copying the WAL back into the database file, with its fsyncs) run while a commit
 * waits, so they are made rare under load and done when idle: the WAL is checkpointed during a commit
 * only past `WAL_AUTOCHECKPOINT_PAGES` (about 40 MB; SQLite's default is 1000 pages), which writes a
 * page changed by many commits once; and after `IDLE_CHECKPOINT_MS` without a commit, a TRUNCATE
 * checkpoint empties the WAL, so an idle service keeps no large WAL and reopens without replaying one.
 * docs/performance.md has the figures.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;
export const IDLE_CHECKPOINT_MS = 1_000;

export function openDb(file: string, synchronous = process.env.SQLITE_SYNCHRONOUS?.trim() || 'NORMAL'): Db {
  if (!['OFF', 'NORMAL', 'FULL', 'EXTRA'].includes(synchronous.toUpperCase()))
    throw new Error(`SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not ${synchronous}`);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = ${synchronous.toUpperCase()};
    PRAGMA busy_timeout = 5000;
    PRAGMA foreign_keys = ON;
    PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES};
  `);
  return db;
}

/**
 * Group commit: the writes of all the requests handled in one turn of the event loop share one
 * transaction, committed once the turn's callbacks ran (setImmediate). A durable commit costs far more
 * than the writes of one request, so sharing it is most of what a busy service saves. Each request's
 * writes run in a savepoint of the group: a request that throws rolls back only its own. A reply
 * waits for `durable()` (the services' `durableReplies` middleware), so nothing is answered before it
 * is on disk, and a crash before the commit loses only what no one was told.
 */
interface Group {
  committed: Promise<void>;
  settle: (err?: Error) => void;
}
const groups = new WeakMap<Db, Group>();

const idleCheckpoints = new WeakMap<Db, NodeJS.Timeout>();

/** (Re)arms `db`'s idle checkpoint: it runs once no commit came for IDLE_CHECKPOINT_MS. */
function committed(db: Db): void {
  const timer = idleCheckpoints.get(db);
  if (timer) {
    timer.refresh();
    return;
  }
  const idle = setTimeout(() => {
    // A group or transaction open now is a commit to come, which re-arms the timer.
    if (db.isOpen && !db.isTransaction) db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  }, IDLE_CHECKPOINT_MS);
  idle.unref();
  idleCheckpoints.set(db, idle);
}

/** Commits the open group of `db` now, if there is one, and settles its waiters. */
function flush(db: Db): void {
  const group = groups.get(db);
  if (!group) return;
  groups.delete(db);
  try {
    db.exec('COMMIT');
    committed(db);
    group.settle();
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK');
    group.settle(err instanceof Error ? err : new Error(String(err)));
  }
}

/** Runs `fn` (synchronous) in its own savepoint of the turn's group transaction, opening it if needed. */
export function inGroup<T>(db: Db, fn: () => T): T {
  if (!groups.has(db)) {
    db.exec('BEGIN IMMEDIATE');
    let settle!: Group['settle'];
    const committed = new Promise<void>((resolve, reject) => {
      settle = (err) => (err === undefined ? resolve() : reject(err));
    });
    committed.catch(() => undefined); // a waiter sees the failure; none may be waiting
    groups.set(db, { committed, settle });
    setImmediate(() => flush(db));
  }
  db.exec('SAVEPOINT request');
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error('transaction callbacks must be synchronous');
    db.exec('RELEASE request');
    return result;
  } catch (err) {
    db.exec('ROLLBACK TO request');
    db.exec('RELEASE request');
    throw err;
  }
}

/**
 * Resolves once every write made so far is committed: at once when no group is open, else when the
 * open group commits (rejecting if its COMMIT failed). A reply awaits it, so it never reports what a
 * crash could still take back, its own effect or another request's it has read.
 */
export function durable(db: Db): Promise<void> {
  return groups.get(db)?.committed ?? Promise.resolve();
}

/**
 * Runs `fn` in one write transaction of its own, committed when it returns (for migrations and
 * writers outside a request). An open group is committed first: SQLite has one transaction at a time.
 */
export function transaction<T>(db: Db, fn: () => T): T {
  flush(db);
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error('transaction callbacks must be synchronous');
    db.exec('COMMIT');
    committed(db);
    return result;
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

/** Commits what is pending, then closes the file. */
export function closeDb(db: Db): void {
  flush(db);
  clearTimeout(idleCheckpoints.get(db));
  db.close();
}
