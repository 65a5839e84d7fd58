import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export type Db = DatabaseSync;

/**
 * Opens (creating) a service's SQLite file in WAL mode with `synchronous=NORMAL`: a committed
 * transaction is in the WAL before the call returns, so it survives the process being killed
 * (ledgers must outlive their process; the SIGKILL test proves it); only an OS crash or power cut can lose
 * the last transactions, which is SQLite's recommended trade for WAL. `SQLITE_SYNCHRONOUS=FULL`
 * makes every commit wait for fsync (about 20× slower here, see `make bench`).
 */
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
  `);
  return db;
}

/**
 * Runs `fn` in one write transaction. node:sqlite is synchronous, so nothing else in this process
 * interleaves; the transaction is what makes the effect atomic on disk.
 */
export function transaction<T>(db: Db, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    if (result instanceof Promise) throw new Error('transaction callbacks must be synchronous');
    db.exec('COMMIT');
    return result;
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
