/**
 * Test support for the payment service: a real payment service on an ephemeral port with its own
 * SQLite file (and chaos file) in a temp directory, plus helpers that read the ledger over HTTP and
 * count the rows straight from the SQLite file.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { ChaosConfigInput } from '@fake-stripe/kernel';
import { getJson, postJson, startInProcess, tempDir } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { createPaymentService, envSchema } from '../src/main.ts';

export const forceSuccess = { 'X-Chaos-Outcome': 'success' } as const;
export const ADMIN = { authorization: 'Bearer test-admin-token' } as const;

export interface Payment {
  url: string;
  running: Running;
  dataDir: string;
  chaosFile: string;
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
    signal?: AbortSignal,
  ): ReturnType<typeof postJson>;
  get(path: string, headers?: Record<string, string>): ReturnType<typeof getJson>;
  ledger(orderId: string): Promise<Ledger>;
  /** Row counts of every table that holds state, read from the SQLite file itself. */
  rows(): Rows;
  /** The stored Idempotency-Key row, straight from the SQLite file. */
  storedKey(key: string): { status: number } | undefined;
  authorize(orderId: string, amount?: number, headers?: Record<string, string>): Promise<Hold>;
  /** Rewrites the watched chaos file. */
  writeChaos(config: unknown): void;
  close(): Promise<void>;
}

export type { Capture, Hold, Refund } from '../src/domain.ts';
import type { Capture, Hold, Refund } from '../src/domain.ts';

export interface Ledger {
  orderId: string;
  authorizations: Hold[];
  captures: Capture[];
  refunds: Refund[];
}
export interface Rows {
  holds: number;
  captures: number;
  refunds: number;
  idempotencyKeys: number;
}

/**
 * Starts payment in this process. `chaos` is written to the CHAOS_FILE before start (the default is
 * the default profile with a 50 ms timeout, so forced timeouts stay fast).
 */
export async function startPayment(
  options: { chaos?: ChaosConfigInput | string; env?: Record<string, string> } = {},
): Promise<Payment> {
  const tmp = tempDir('fake-stripe-payment-');
  const chaosFile = join(tmp.dir, 'chaos', 'chaos.json');
  const dataDir = join(tmp.dir, 'data');
  const writeChaos = (config: unknown): void => {
    writeFileSync(chaosFile, typeof config === 'string' ? config : JSON.stringify(config, null, 2));
  };
  mkdirSync(join(tmp.dir, 'chaos'), { recursive: true });
  writeChaos(options.chaos ?? { profile: 'default', timeoutMs: 50 });
  const running = await startInProcess(
    createPaymentService,
    {
      DATA_DIR: dataDir,
      CHAOS_FILE: chaosFile,
      ...options.env,
    },
    envSchema,
  );
  const url = running.url;
  const dbFile = join(dataDir, 'payment.sqlite');
  const readDb = <T>(fn: (db: DatabaseSync) => T): T => {
    const db = new DatabaseSync(dbFile, { readOnly: true });
    try {
      return fn(db);
    } finally {
      db.close();
    }
  };

  const payment: Payment = {
    url,
    running,
    dataDir,
    chaosFile,
    post: (path, body, headers = {}, signal) => postJson(`${url}${path}`, body, headers, signal),
    get: (path, headers = {}) => getJson(`${url}${path}`, headers),
    async ledger(orderId) {
      const res = await getJson(`${url}/payment/ledger?orderId=${encodeURIComponent(orderId)}`);
      expect(res.status).toBe(200);
      return res.body as Ledger;
    },
    rows: () =>
      readDb((db) => {
        const count = (table: string): number =>
          (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
        return {
          holds: count('holds'),
          captures: count('captures'),
          refunds: count('refunds'),
          idempotencyKeys: count('idempotency'),
        };
      }),
    storedKey: (key) =>
      readDb(
        (db) => db.prepare('SELECT status FROM idempotency WHERE key = ?').get(key) as { status: number } | undefined,
      ),
    async authorize(orderId, amount = 5000, headers = {}) {
      const res = await postJson(
        `${url}/payment/authorize`,
        { orderId, customerId: 'CUST-1', amount },
        { ...forceSuccess, ...headers },
      );
      expect(res.status).toBe(201);
      return res.body as Hold;
    },
    writeChaos,
    async close() {
      await running.close();
      tmp.remove();
    },
  };
  return payment;
}

export { eventually, expectError } from '@fake-stripe/kernel/testing';
