/**
 * `make bench`'s koa floor (tools/bench/koa-floor.ts) is a fair floor only if it does the durable
 * part of authorize: as a real process, it answers a hold that is in its SQLite file after a SIGKILL.
 */
import path from 'node:path';
import { openDb } from '@fake-stripe/kernel';
import { tempDir } from '@fake-stripe/kernel/testing';
import { startServer } from '../tools/bench/process.ts';

const { dir, remove } = tempDir('fake-stripe-koa-floor-');
afterAll(remove);

it('answers each authorize with a hold that a SIGKILL does not take back', async () => {
  const floor = await startServer(
    'koa-floor',
    [path.resolve('tools/bench/koa-floor.ts')],
    { ...process.env, DATA_DIR: dir },
    path.join(dir, 'koa-floor.log'),
  );
  const authorize = (orderId: string) =>
    fetch(`${floor.url}/payment/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId, customerId: 'CUST-1', amount: 5998, currency: 'usd' }),
    });
  const answers = await Promise.all(['ORD-1', 'ORD-2', 'ORD-3'].map(authorize));
  const holds = (await Promise.all(answers.map((r) => r.json()))) as Array<{ authorizationId: string }>;
  process.kill(floor.pid, 'SIGKILL');
  await floor.stop();

  expect(answers.map((r) => r.status)).toEqual([201, 201, 201]);
  expect(holds).toEqual(
    ['ORD-1', 'ORD-2', 'ORD-3'].map((orderId) =>
      expect.objectContaining({ orderId, amount: 5998, status: 'authorized' }),
    ),
  );
  const db = openDb(path.join(dir, 'koa-floor.db'));
  try {
    const stored = db.prepare('SELECT authorization_id AS id, order_id AS orderId FROM holds ORDER BY order_id').all();
    expect(stored).toEqual(holds.map((h, i) => ({ id: h.authorizationId, orderId: `ORD-${i + 1}` })));
  } finally {
    db.close();
  }
});
