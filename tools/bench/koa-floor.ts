/**
 * The floor of tools/bench.ts's foundation part: the HTTP stack the design card prescribes (koa,
 * @koa/router, @koa/bodyparser) answering `POST /payment/authorize` with the payment ledger's hold,
 * written through the kernel's group commit and answered once committed, as the payment service does.
 * Nothing else: no validation, idempotency, chaos, logs, metrics or traces. The payment service's CPU
 * per request less this server's is what those cost together.
 */
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import { durable, inGroup, openDb } from '@fake-stripe/kernel';
import { createPaymentStore } from '@fake-stripe/payment';

interface Authorize {
  orderId: string;
  customerId: string;
  amount: number;
  currency: string;
}

const db = openDb(path.join(process.env.DATA_DIR ?? '.data', 'koa-floor.db'));
const store = createPaymentStore(db);
const router = new Router();
router.post('/payment/authorize', async (ctx) => {
  const { orderId, customerId, amount, currency } = ctx.request.body as Authorize;
  const hold = inGroup(db, () => store.createHold({ orderId, customerId, amount, currency }));
  await durable(db);
  ctx.status = 201;
  ctx.body = hold;
});
// GET /ready, the benchmark's readiness probe.
router.get('/ready', (ctx) => {
  ctx.body = {};
});

const app = new Koa().use(bodyParser()).use(router.routes());
const server = app.listen(Number(process.env.PORT) || 0, process.env.HOST || '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ msg: 'koa floor listening', url: `http://127.0.0.1:${port}` }));
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
