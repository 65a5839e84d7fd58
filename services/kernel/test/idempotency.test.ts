/**
 * The Idempotency-Key store on a real SQLite file, with an injected clock for expiry.
 * The HTTP behaviour is tested through the payment service (services/payment/test).
 */
import { join } from 'node:path';
import { openDb } from '../src/db.ts';
import type { Db } from '../src/db.ts';
import { createIdempotencyStore, fingerprint } from '../src/idempotency.ts';
import { tempDir } from '../src/testing.ts';

let tmp: ReturnType<typeof tempDir>;
let file: string;
let db: Db;
let clock: number;
const now = (): number => clock;

beforeEach(() => {
  tmp = tempDir('fake-stripe-idem-');
  file = join(tmp.dir, 'idem.sqlite');
  db = openDb(file);
  clock = 1_000_000;
});
afterEach(() => {
  db.close();
  tmp.remove();
});

const print = fingerprint('POST', '/payment/authorize', { orderId: 'A', amount: 1 });

describe('fingerprint', () => {
  it('ignores key order but not values, paths or methods', () => {
    expect(fingerprint('POST', '/p', { a: 1, b: { c: 2, d: 3 } })).toBe(
      fingerprint('POST', '/p', { b: { d: 3, c: 2 }, a: 1 }),
    );
    expect(fingerprint('POST', '/p', { a: 1 })).not.toBe(fingerprint('POST', '/p', { a: 2 }));
    expect(fingerprint('POST', '/p', { a: 1 })).not.toBe(fingerprint('POST', '/q', { a: 1 }));
    expect(fingerprint('POST', '/p', { a: 1 })).not.toBe(fingerprint('PUT', '/p', { a: 1 }));
  });
});

describe('idempotency store', () => {
  it('claims a key, reports it in flight, then replays the stored answer', () => {
    const store = createIdempotencyStore(db, 60_000, now);
    expect(store.begin('k1', print)).toEqual({ kind: 'started' });
    expect(store.begin('k1', print)).toEqual({ kind: 'in_flight' });
    store.complete('k1', 201, { id: 'auth_1' });
    expect(store.begin('k1', print)).toEqual({ kind: 'replay', status: 201, body: { id: 'auth_1' } });
  });

  it('refuses the same key with another fingerprint, in flight or done', () => {
    const store = createIdempotencyStore(db, 60_000, now);
    store.begin('k1', print);
    expect(store.begin('k1', 'other')).toEqual({ kind: 'mismatch' });
    store.complete('k1', 200, {});
    expect(store.begin('k1', 'other')).toEqual({ kind: 'mismatch' });
  });

  it('frees an abandoned key so the next request starts afresh', () => {
    const store = createIdempotencyStore(db, 60_000, now);
    store.begin('k1', print);
    store.abandon('k1');
    expect(store.begin('k1', 'another body now')).toEqual({ kind: 'started' });
  });

  it('forgets a key once it is older than the TTL, and prune deletes expired keys', () => {
    const store = createIdempotencyStore(db, 1_000, now);
    store.begin('old', print);
    store.complete('old', 200, { n: 1 });
    store.begin('young', print);
    store.complete('young', 200, { n: 2 });
    clock += 1_000;
    expect(store.begin('old', print)).toMatchObject({ kind: 'replay' }); // exactly at the TTL: kept
    clock += 1;
    expect(store.begin('old', 'different body')).toEqual({ kind: 'started' });
    expect(store.prune()).toBe(1); // 'young' expired; 'old' was just claimed again
    expect(store.begin('young', print)).toEqual({ kind: 'started' });
  });

  it('survives a restart with its stored answers, but frees keys that were in flight', () => {
    const store = createIdempotencyStore(db, 60_000, now);
    store.begin('done', print);
    store.complete('done', 402, { error: { type: 'card_error' } });
    store.begin('crashed', print);
    db.close();

    db = openDb(file);
    const reopened = createIdempotencyStore(db, 60_000, now);
    expect(reopened.begin('done', print)).toEqual({
      kind: 'replay',
      status: 402,
      body: { error: { type: 'card_error' } },
    });
    expect(reopened.begin('crashed', print)).toEqual({ kind: 'started' });
  });

  it('opens a file of the earlier layout: its answers replay, its in-flight rows are gone, one table is left', () => {
    // The layout before the WITHOUT ROWID table, as a user's existing .data file has it.
    db.exec(`
      CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')), status INTEGER, body TEXT,
        created_at INTEGER NOT NULL);
      CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
    `);
    const old = db.prepare('INSERT INTO idempotency_keys VALUES (?, ?, ?, ?, ?, ?)');
    old.run('done', print, 'done', 201, JSON.stringify({ id: 'auth_1' }), clock);
    old.run('stale', print, 'in_flight', null, null, clock);
    db.close();

    db = openDb(file);
    const store = createIdempotencyStore(db, 60_000, now);
    expect(store.begin('done', print)).toEqual({ kind: 'replay', status: 201, body: { id: 'auth_1' } });
    expect(store.begin('done', 'other')).toEqual({ kind: 'mismatch' });
    expect(store.begin('stale', print)).toEqual({ kind: 'started' });
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE name LIKE 'idempotency%' ORDER BY name").all();
    expect(tables).toEqual([{ name: 'idempotency' }]);
    // Opening it again changes nothing.
    db.close();
    db = openDb(file);
    expect(createIdempotencyStore(db, 60_000, now).begin('done', print)).toMatchObject({ kind: 'replay' });
  });
});
