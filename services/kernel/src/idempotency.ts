import { createHash } from 'node:crypto';
import { stringify } from 'safe-stable-stringify';
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
  return createHash('sha256')
    .update(`${method} ${path}\n${stringify(body) ?? ''}`)
    .digest('hex');
}

/**
 * Idempotency keys, so a caller's retry never applies an effect twice. A stored answer lives in the
 * service's own SQLite file and is written in the same transaction as the domain effect, so a crash
 * keeps both or neither. A key that is in flight lives only in memory: one process owns the file, and
 * a request in flight when the process dies never committed anything, so its key must be free after a
 * restart anyway.
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
  const select = db.prepare('SELECT fingerprint, status, body, created_at FROM idempotency_keys WHERE key = ?');
  const remove = db.prepare('DELETE FROM idempotency_keys WHERE key = ?');
  const insert = db.prepare(
    "INSERT INTO idempotency_keys (key, fingerprint, state, status, body, created_at) VALUES (?, ?, 'done', ?, ?, ?)",
  );
  const prune = db.prepare('DELETE FROM idempotency_keys WHERE created_at < ?');
  /** Keys in flight in this process: key → fingerprint and start time. */
  const inFlight = new Map<string, { print: string; at: number }>();

  db.exec("DELETE FROM idempotency_keys WHERE state = 'in_flight'"); // rows of an older layout
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
