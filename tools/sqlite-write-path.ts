/**
 * The SQLite part of `POST /payment/authorize`, alone: `node tools/sqlite-write-path.ts`. Each
 * request claims a fresh Idempotency-Key, inserts an effect row under a random id (as a hold is) and
 * stores its answer through the kernel's own code (db.ts's group commit, idempotency.ts), GROUP
 * requests per event-loop turn as a busy
 * service has them. Prints the process's CPU µs per request (user and system), the longest turn (a
 * checkpoint's fsyncs stall it) and the WAL's size at the end: figures far steadier than req/s on a
 * busy machine (docs/performance.md). Env: REQUESTS (40000), GROUP (16), WAL_AUTOCHECKPOINT (pages;
 * default the kernel's).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { closeDb, createIdempotencyStore, fingerprint, inGroup, openDb } from '@fake-stripe/kernel';

const count = (name: string, fallback: number): number => Math.floor(Number(process.env[name])) || fallback;
const REQUESTS = count('REQUESTS', 40_000);
const GROUP = count('GROUP', 16);

const dir = mkdtempSync(join(tmpdir(), 'sqlite-write-path-'));
const file = join(dir, 'payment.sqlite');
const db = openDb(file);
if (process.env.WAL_AUTOCHECKPOINT) db.exec(`PRAGMA wal_autocheckpoint = ${count('WAL_AUTOCHECKPOINT', 1000)}`);
// The domain effect: a row under a random id with its JSON, indexed by order as the ledgers are.
db.exec(`CREATE TABLE effects (id TEXT PRIMARY KEY, order_id TEXT NOT NULL, body TEXT NOT NULL);
  CREATE INDEX effects_order ON effects (order_id)`);
const insertEffect = db.prepare('INSERT INTO effects VALUES (?, ?, ?)');
const idempotency = createIdempotencyStore(db, 24 * 60 * 60 * 1000);
const body = { orderId: 'ORD-1', customerId: 'CUST-1', amount: 5998, currency: 'usd' };
const run = randomBytes(4).toString('hex');
let seq = 0;

function authorize(): void {
  const key = `bench-${run}-${++seq}`;
  idempotency.begin(key, fingerprint('POST', '/payment/authorize', body));
  inGroup(db, () => {
    const effect = { id: `auth_${randomBytes(12).toString('hex')}`, ...body, createdAt: new Date().toISOString() };
    insertEffect.run(effect.id, effect.orderId, JSON.stringify(effect));
    idempotency.complete(key, 201, effect);
  });
}
/** `requests` authorizations, GROUP per turn, each turn's group committed; the longest turn in ms. */
async function turns(requests: number): Promise<number> {
  let longest = 0;
  for (let done = 0; done < requests; done += GROUP) {
    const t = performance.now();
    for (let i = 0; i < GROUP; i++) authorize();
    await nextTurn(); // the group commits (db.ts flushes on setImmediate)
    await nextTurn();
    longest = Math.max(longest, performance.now() - t);
  }
  return longest;
}

await turns(2_000); // warm-up
const cpu0 = process.cpuUsage();
const longest = await turns(REQUESTS);
const cpu = process.cpuUsage(cpu0);
const autocheckpoint = (db.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number })
  .wal_autocheckpoint;
console.log(
  JSON.stringify({
    requests: REQUESTS,
    group: GROUP,
    walAutocheckpoint: autocheckpoint,
    cpuUsPerRequest: Math.round((cpu.user + cpu.system) / REQUESTS),
    systemUsPerRequest: Math.round(cpu.system / REQUESTS),
    longestTurnMs: Math.round(longest),
    walMb: Math.round(statSync(`${file}-wal`).size / 1e5) / 10,
  }),
);
closeDb(db);
rmSync(dir, { recursive: true, force: true });
