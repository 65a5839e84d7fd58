import { createHmac } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Chaos, Logger, OperationSpec } from '@fake-stripe/kernel';
import pRetry from 'p-retry';
import { z } from 'zod';
import { eventTypes } from './stripe-objects.ts';
import type { EventType } from './stripe-objects.ts';
import type { PendingDelivery, WebhookOutbox } from './webhook-outbox.ts';

/** A webhook endpoint, registered by configuration (WEBHOOK_ENDPOINTS, a JSON array of these). */
export const webhookEndpointSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    /** The signing secret (`whsec_…`) the receiver verifies `Stripe-Signature` with. */
    secret: z.string().min(8),
    /** The event types it receives; all of them when absent. */
    events: z.array(z.enum(eventTypes)).optional(),
  })
  .strict();
export type WebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

/**
 * Webhook delivery's chaos operation, in the payment service's chaos document like the others. Its
 * own outcomes: `duplicate` (delivered twice, same event id), `out_of_order` (held until a later event
 * reached the endpoint, at most WEBHOOK_REORDER_MAX_MS; a later event is not held behind a held one), `drop_first` (the first attempt is never sent: the retry delivers it). Of the
 * transport outcomes, `latency` delays the delivery (latency.extraMs), `commit_then_timeout` sends the
 * first attempt but loses its acknowledgement (so it is sent again), and the failing ones (`timeout`,
 * `server_error`, `rate_limited`, `reset`) drop the first attempt like `drop_first`.
 */
export const webhookChaos: OperationSpec = {
  weights: { success: 70, duplicate: 10, out_of_order: 10, latency: 5, drop_first: 5 },
  latency: { extraMs: 2_000 },
  outcomes: ['duplicate', 'out_of_order', 'drop_first'],
};
const dropsFirstAttempt = new Set(['drop_first', 'timeout', 'server_error', 'rate_limited', 'reset']);

/** A failed attempt whose row is already written (others, such as a refused connection, are written on failure). */
class RecordedFailure extends Error {}

/** `Stripe-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<payload>" under the secret>`. */
export function signatureHeader(payload: string, secret: string, at = Math.floor(Date.now() / 1000)): string {
  const v1 = createHmac('sha256', secret).update(`${at}.${payload}`).digest('hex');
  return `t=${at},v1=${v1}`;
}

export interface WebhookOptions {
  /** Attempts per delivery before it is marked failed (then `resend` queues it again). */
  maxAttempts: number;
  /** Backoff between attempts: doubling from minMs up to maxMs. */
  retryMinMs: number;
  retryMaxMs: number;
  /** How long one attempt waits for the endpoint's answer. */
  timeoutMs: number;
  /** How long `out_of_order` holds an event back at most, waiting for a later one to overtake it. */
  reorderMaxMs: number;
  /** How often the outbox is read for deliveries nobody is working on (after a restart, a resend). */
  pollMs: number;
}

/**
 * Delivers the outbox: every pending delivery is sent, signed, and retried with backoff (p-retry)
 * until the endpoint answers 2xx; each attempt is recorded. Started deliveries live in memory only:
 * after a crash their rows are still pending and are sent again (at-least-once, as Stripe's).
 */
export function startWebhookDispatcher(deps: {
  outbox: WebhookOutbox;
  endpoints: WebhookEndpoint[];
  chaos: Chaos;
  options: WebhookOptions;
  log: Logger;
}) {
  const { outbox, endpoints, chaos, options, log } = deps;
  const working = new Set<string>();
  const delivered = new EventEmitter();
  delivered.setMaxListeners(0);
  let stopped = false;
  const stop = new AbortController();

  const held = new Set<PendingDelivery>();
  const holdsEarlier = (d: PendingDelivery): boolean =>
    [...held].some((h) => h.endpoint === d.endpoint && h.seq < d.seq);

  /** Resolves once an event later than `seq` reached `endpoint`, or after `reorderMaxMs`. */
  const overtaken = (endpoint: string, seq: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        delivered.off('delivered', onDelivered);
        resolve();
      };
      const onDelivered = (url: string, later: number): void => {
        if (url === endpoint && later > seq) done();
      };
      const timer = setTimeout(done, options.reorderMaxMs);
      delivered.on('delivered', onDelivered);
    });

  async function send(endpoint: WebhookEndpoint, d: PendingDelivery): Promise<number> {
    const res = await fetch(endpoint.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': signatureHeader(d.payload, endpoint.secret),
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
      },
      body: d.payload,
      signal: AbortSignal.any([AbortSignal.timeout(options.timeoutMs), stop.signal]),
    });
    await res.body?.cancel();
    outbox.attempted(d, res.status, res.ok ? null : `HTTP ${res.status}`);
    return res.status;
  }

  async function deliver(d: PendingDelivery): Promise<void> {
    const endpoint = endpoints.find((e) => e.url === d.endpoint);
    if (!endpoint) {
      outbox.attempted(d, null, 'the endpoint is no longer configured');
      outbox.settle(d, 'failed');
      return;
    }
    const { outcome, latencyMs } = chaos.decide('webhook', `${d.eventId} ${d.endpoint}`, undefined);
    if (latencyMs) await sleep(latencyMs, undefined, { signal: stop.signal }).catch(() => undefined);
    if (stopped) return;
    if (outcome === 'out_of_order' && !holdsEarlier(d)) {
      // Held until a later event reached the endpoint; while held, it holds no later event back itself,
      // so the next event overtakes it.
      held.add(d);
      await overtaken(d.endpoint, d.seq);
      held.delete(d);
    }
    let attempt = 0;
    try {
      await pRetry(
        async () => {
          attempt += 1;
          if (attempt === 1 && dropsFirstAttempt.has(outcome)) {
            outbox.attempted(d, null, `dropped by chaos (${outcome})`);
            throw new RecordedFailure('first attempt dropped by chaos');
          }
          const status = await send(endpoint, d);
          if (status < 200 || status >= 300) throw new RecordedFailure(`the endpoint answered ${status}`);
          if (attempt === 1 && outcome === 'commit_then_timeout')
            throw new RecordedFailure('acknowledgement lost by chaos');
        },
        {
          retries: options.maxAttempts - 1,
          minTimeout: options.retryMinMs,
          maxTimeout: options.retryMaxMs,
          factor: 2,
          signal: stop.signal,
          onFailedAttempt: ({ error, retriesLeft }) => {
            if (!(error instanceof RecordedFailure)) outbox.attempted(d, null, error.message);
            log.debug({ eventId: d.eventId, endpoint: d.endpoint, retriesLeft }, 'webhook attempt failed');
          },
        },
      );
    } catch (err) {
      if (stopped) return; // stays pending: delivered after the restart
      outbox.settle(d, 'failed');
      log.warn({ eventId: d.eventId, endpoint: d.endpoint, err: (err as Error).message }, 'webhook delivery failed');
      return;
    }
    outbox.settle(d, 'delivered');
    delivered.emit('delivered', d.endpoint, d.seq);
    if (outcome === 'duplicate') await send(endpoint, d).catch(() => undefined);
  }

  /** Starts every pending delivery nobody is working on. */
  const kick = (): void => {
    if (stopped) return;
    for (const d of outbox.pending()) {
      const key = `${d.eventId} ${d.endpoint}`;
      if (working.has(key)) continue;
      working.add(key);
      void deliver(d)
        .catch((err: unknown) => log.error({ err, eventId: d.eventId }, 'webhook delivery crashed'))
        .finally(() => working.delete(key));
    }
  };
  const timer = setInterval(kick, options.pollMs);
  timer.unref();
  setImmediate(kick);

  return {
    /** Delivers what was just committed (call after the transaction, or anywhere: it reads the outbox). */
    kick: (): void => void setImmediate(kick),
    stop(): void {
      stopped = true;
      clearInterval(timer);
      stop.abort();
    },
  };
}
export type WebhookDispatcher = ReturnType<typeof startWebhookDispatcher>;

/** The endpoints subscribed to an event type. */
export const subscribers =
  (endpoints: WebhookEndpoint[]) =>
  (type: EventType): string[] =>
    endpoints.filter((e) => !e.events || e.events.includes(type)).map((e) => e.url);
