import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
import type { Db } from './db.ts';

/** What `begin` found for an Idempotency-Key (SPEC §3.1, Stripe's semantics). */
export type Begin =
  | { kind: 'started' }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' };

export type IdempotencyStore = ReturnType<typeof createIdempotencyStore>;

/** A request's fingerprint: method, path and the JSON body with its keys sorted. */
export function fingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${path}\n${stringify(body) ?? ''}`)
    .digest('hex');
}

/**
 * Durable idempotency keys in the service's own SQLite file, so that a domain effect and the stored
 * answer commit in one transaction: a crash either keeps both or neither.
 */
export function createIdempotencyStore(db: Db, ttlMs: number, now: () => number = Date.now) {
  db.exec(`
    CREATE TABLE IF NOT EXISTS idempotency_keys (
      key TEXT PRIMARY KEY,
      fingerprint TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
      status INTEGER,
      body TEXT,
      created_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys (created_at);
  `);
  const select = db.prepare('SELECT fingerprint, state, status, body, created_at FROM idempotency_keys WHERE key = ?');
  const insert = db.prepare(
    "INSERT INTO idempotency_keys (key, fingerprint, state, created_at) VALUES (?, ?, 'in_flight', ?)",
  );
  const remove = db.prepare('DELETE FROM idempotency_keys WHERE key = ?');
  const complete = db.prepare(
    "UPDATE idempotency_keys SET state = 'done', status = ?, body = ? WHERE key = ? AND state = 'in_flight'",
  );
  const prune = db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?');

  // Nothing can be in flight when the process starts: a request that was, died with the process
  // before its effect committed (the effect and 'done' commit together), so its key is free again.
  db.exec("DELETE FROM idempotency_keys WHERE state = 'in_flight'");
  prune.run(now() - ttlMs);

  return {
    /** Claims the key for this request, or says how to answer without running it. */
    begin(key: string, print: string): Begin {
      const row = select.get(key) as
        | { fingerprint: string; state: string; status: number | null; body: string | null; created_at: number }
        | undefined;
      if (row && row.created_at < now() - ttlMs) {
        remove.run(key);
      } else if (row) {
        if (row.fingerprint !== print) return { kind: 'mismatch' };
        if (row.state === 'in_flight') return { kind: 'in_flight' };
        return { kind: 'replay', status: row.status ?? 200, body: JSON.parse(row.body ?? 'null') };
      }
      insert.run(key, print, now());
      return { kind: 'started' };
    },
    /** Stores the definitive answer (call inside the effect's transaction). */
    complete(key: string, status: number, body: unknown): void {
      complete.run(status, JSON.stringify(body), key);
    },
    /** Frees the key: nothing definitive happened, so a retry draws again. */
    abandon(key: string): void {
      remove.run(key);
    },
    prune(): number {
      return Number(prune.run(now() - ttlMs).changes);
    },
  };
}
