import { hash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import { transaction } from './db.ts';
import type { Db } from './db.ts';

/** What `begin` found for an Idempotency-Key (Stripe's semantics: replay, mismatch, in flight). */
export type Begin =
  | { kind: 'started' }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' };

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;

/** A request's fingerprint: method, path and the JSON body with its keys sorted. */
export function fingerprint(method: string, path: string, body: unknown): string {
  return hash('sha256', `${method} ${path}\n${stringify(body) ?? ''}`, 'hex');
}

/**
 * The stored answers: one WITHOUT ROWID table keyed by the key, so storing an answer writes one
 * b-tree (the key's), where a rowid table with its key index and a created_at index wrote three.
 * The key belongs to the service (its own file), so it is the whole primary key. Expiry has no index:
 * a request reads its own key's created_at, and the hourly prune scans the table once.
 */
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL, -- the answer's JSON
    created_at INTEGER NOT NULL -- epoch ms when the first request began
  ) WITHOUT ROWID;
`;

/**
 * Creates the table, or moves the answers of the earlier layout (`idempotency_keys`: a rowid table
 * with a state column and a created_at index) into it, in one transaction; rows that layout kept for
 * requests in flight were never answers and are dropped.
 */
function migrate(db: Db): void {
  db.exec(SCHEMA);
  const older = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'idempotency_keys'").get();
  if (older === undefined) return;
  transaction(db, () => {
    db.exec(`INSERT OR IGNORE INTO idempotency (key, fingerprint, status, body, created_at)
        SELECT key, fingerprint, status, body, created_at FROM idempotency_keys
        WHERE state = 'done' AND status IS NOT NULL AND body IS NOT NULL;
      DROP TABLE idempotency_keys;`);
  });
}

/**
 * Idempotency keys, so a caller's retry never applies an effect twice. A stored answer lives in the
 * service's own SQLite file and is written in the same transaction as the domain effect, so a crash
 * keeps both or neither. A key that is in flight lives only in memory: one process owns the file, and
 * a request in flight when the process dies never committed anything, so its key must be free after a
 * restart anyway. A new key costs two statements on the file (the read in `begin`, the insert of
 * `complete` in the effect's transaction), a replay one.
 */
export function createIdempotencyStore(db: Db, ttlMs: number, now: () => number = Date.now) {
  migrate(db);
  const select = db.prepare('SELECT fingerprint, status, body, created_at FROM idempotency WHERE key = ?');
  const remove = db.prepare('DELETE FROM idempotency WHERE key = ?');
  const insert = db.prepare(
    'INSERT INTO idempotency (key, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?)',
  );
  const prune = db.prepare('DELETE FROM idempotency WHERE created_at < ?');
  /** Keys in flight in this process: key → fingerprint and start time. */
  const inFlight = new Map<string, { print: string; at: number }>();

  prune.run(now() - ttlMs);
  return {
    /** Claims the key for this request, or says how to answer without running it. */
    begin(key: string, print: string): Begin {
      const running = inFlight.get(key);
      if (running) return running.print === print ? { kind: 'in_flight' } : { kind: 'mismatch' };
      const row = select.get(key) as
        { fingerprint: string; status: number; body: string; created_at: number } | undefined;
      if (row && row.created_at < now() - ttlMs) {
        remove.run(key);
      } else if (row) {
        if (row.fingerprint !== print) return { kind: 'mismatch' };
        return { kind: 'replay', status: row.status, body: JSON.parse(row.body) };
      }
      inFlight.set(key, { print, at: now() });
      return { kind: 'started' };
    },
    /** Stores the definitive answer (call inside the effect's transaction). */
    complete(key: string, status: number, body: unknown): void {
      const running = inFlight.get(key);
      if (!running) return;
      insert.run(key, running.print, status, JSON.stringify(body), running.at);
      inFlight.delete(key);
    },
    /** Frees the key: nothing definitive happened, so a retry draws again. */
    abandon(key: string): void {
      inFlight.delete(key);
    },
    prune(): number {
      return Number(prune.run(now() - ttlMs).changes);
    },
  };
}
