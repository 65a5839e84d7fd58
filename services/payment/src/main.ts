import { join } from 'node:path';
import {
  LOCAL_STRIPE_SECRET_KEY,
  createService,
  envInt,
  envText,
  loadEnv,
  localPorts,
  logger,
  openDb,
  runService,
  serviceEnvSchema,
} from '@fake-stripe/kernel';
import type { Service } from '@fake-stripe/kernel';
import { z } from 'zod';
import { paymentChaos, paymentRoutes } from './routes.ts';
import { createPaymentStore } from './store.ts';
import { STRIPE_PREFIX, stripeHttp } from './stripe-http.ts';
import { stripeChaos, stripeRoutes } from './stripe-routes.ts';
import { createStripeStore } from './stripe-store.ts';
import { createWebhookOutbox } from './webhook-outbox.ts';
import { startWebhookDispatcher, subscribers, webhookChaos, webhookEndpointSchema } from './webhooks.ts';
import type { WebhookDispatcher } from './webhooks.ts';

/** A comma-separated list parsed as JSON-free text: `sk_test_a,sk_test_b`. */
const secretKeys = envText(LOCAL_STRIPE_SECRET_KEY).pipe(
  z
    .string()
    .transform((v) => v.split(',').map((k) => k.trim()))
    .pipe(z.array(z.string().regex(/^sk_test_[A-Za-z0-9_]{8,200}$/, 'test-mode secret keys (sk_test_…)')).min(1)),
);
const webhookEndpoints = envText('[]').transform((text, ctx) => {
  try {
    return z.array(webhookEndpointSchema).parse(JSON.parse(text));
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `a JSON array of {url, secret, events?}: ${(err as Error).message}` });
    return z.NEVER;
  }
});

export const envSchema = serviceEnvSchema.extend({
  PORT: envInt(localPorts.payment),
  /** The secret keys `/v1/` accepts. */
  STRIPE_SECRET_KEYS: secretKeys,
  /** Webhook endpoints: `[{"url": "...", "secret": "whsec_...", "events": [...]}]`. */
  WEBHOOK_ENDPOINTS: webhookEndpoints,
  WEBHOOK_MAX_ATTEMPTS: envInt(12),
  WEBHOOK_RETRY_MIN_MS: envInt(1_000),
  WEBHOOK_RETRY_MAX_MS: envInt(5 * 60_000),
  WEBHOOK_TIMEOUT_MS: envInt(10_000),
  WEBHOOK_REORDER_MAX_MS: envInt(5_000),
  WEBHOOK_POLL_MS: envInt(5_000),
});
export type PaymentEnv = z.infer<typeof envSchema>;
/** The ledger store, also for make bench's koa floor (tools/bench/koa-floor.ts), which writes its holds. */
export { createPaymentStore };

/** Wiring: config → SQLite file → ledger store (and its Stripe view, and the webhook outbox) → koa app. */
export function createPaymentService(env = loadEnv(envSchema)): Service {
  const db = openDb(join(env.DATA_DIR, 'payment.sqlite'));
  const ledger = createPaymentStore(db);
  const outbox = createWebhookOutbox(db, subscribers(env.WEBHOOK_ENDPOINTS));
  // The dispatcher needs the service's chaos engine, so it starts after the service: until then, no kick.
  const late: { dispatcher?: WebhookDispatcher } = {};
  const service = createService({
    name: 'payment',
    prefix: '/payment',
    env,
    db,
    routes: [
      ...paymentRoutes(ledger),
      ...stripeRoutes({
        ledger,
        stripe: createStripeStore(db, ledger),
        outbox,
        kick: () => late.dispatcher?.kick(),
      }),
    ],
    chaos: { ...paymentChaos, ...stripeChaos, webhook: webhookChaos },
    formPrefix: STRIPE_PREFIX,
    middleware: [stripeHttp(env.STRIPE_SECRET_KEYS)],
  });
  if (!service.chaos) throw new Error('payment has chaos operations: its service must have a chaos engine');
  const dispatcher = startWebhookDispatcher({
    outbox,
    endpoints: env.WEBHOOK_ENDPOINTS,
    chaos: service.chaos,
    options: {
      maxAttempts: Math.max(1, env.WEBHOOK_MAX_ATTEMPTS),
      retryMinMs: env.WEBHOOK_RETRY_MIN_MS,
      retryMaxMs: env.WEBHOOK_RETRY_MAX_MS,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      reorderMaxMs: env.WEBHOOK_REORDER_MAX_MS,
      pollMs: Math.max(10, env.WEBHOOK_POLL_MS),
    },
    log: logger.child({ module: 'webhooks' }),
  });
  late.dispatcher = dispatcher;
  return {
    ...service,
    async close() {
      dispatcher.stop();
      await service.close();
    },
  };
}

if (import.meta.main) await runService(createPaymentService(loadEnv(envSchema)));
