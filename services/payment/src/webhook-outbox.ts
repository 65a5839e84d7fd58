import { newId } from '@fake-stripe/kernel';
import type { Db } from '@fake-stripe/kernel';
import { z } from 'zod';
import type { Charge, EventType, PaymentIntent, StripeEvent } from './stripe-objects.ts';
import { unixNow } from './stripe-store.ts';

/** The API version the events say they were rendered with: the pinned `stripe` SDK's own. */
export const API_VERSION = '2026-11-18.endive';

export const deliveryStatuses = ['pending', 'delivered', 'failed'] as const;

export const deliverySchema = z
  .object({
    eventId: z.string(),
    type: z.string(),
    endpoint: z.string(),
    status: z.enum(deliveryStatuses),
    attempts: z.int(),
    lastStatus: z.int().nullable().meta({ description: "The endpoint's last HTTP status (null: not reached)" }),
    lastError: z.string().nullable(),
    updatedAt: z.string(),
    deliveredAt: z.string().nullable(),
  })
  .meta({ id: 'WebhookDelivery' });
export type Delivery = z.infer<typeof deliverySchema>;
export const deliveryListSchema = z.object({ deliveries: z.array(deliverySchema) }).meta({ id: 'WebhookDeliveries' });

/** What an event's delivery needs: the event's stored bytes (signed as they are) and its order. */
export interface PendingDelivery {
  eventId: string;
  endpoint: string;
  payload: string;
  seq: number;
}

export interface EventRequest {
  requestId: string | null;
  idempotencyKey: string | null;
}

/**
 * The webhook outbox: an event and one delivery row per subscribed endpoint, written in the same
 * SQLite transaction as the ledger change they report (the route handlers run in it), so a crash
 * keeps both or neither, and whatever was committed is delivered after a restart.
 */
export function createWebhookOutbox(db: Db, endpointsFor: (type: EventType) => string[]) {
  db.exec(`
    CREATE TABLE IF NOT EXISTS webhook_events (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
      created INTEGER NOT NULL, payload TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS webhook_deliveries (
      event_id TEXT NOT NULL REFERENCES webhook_events (id), endpoint TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
      attempts INTEGER NOT NULL DEFAULT 0, last_status INTEGER, last_error TEXT,
      updated_at TEXT NOT NULL, delivered_at TEXT, PRIMARY KEY (event_id, endpoint));
    CREATE INDEX IF NOT EXISTS webhook_deliveries_status ON webhook_deliveries (status);
  `);
  const cols = `d.event_id AS eventId, e.type, d.endpoint, d.status, d.attempts, d.last_status AS lastStatus,
    d.last_error AS lastError, d.updated_at AS updatedAt, d.delivered_at AS deliveredAt`;
  const q = {
    insertEvent: db.prepare('INSERT INTO webhook_events (id, type, created, payload) VALUES (?, ?, ?, ?)'),
    insertDelivery: db.prepare(
      `INSERT INTO webhook_deliveries (event_id, endpoint, status, updated_at) VALUES (?, ?, 'pending', ?)
       ON CONFLICT (event_id, endpoint) DO UPDATE SET status = 'pending', updated_at = excluded.updated_at`,
    ),
    pending: db.prepare(
      `SELECT d.event_id AS eventId, d.endpoint, e.payload, e.seq FROM webhook_deliveries d
       JOIN webhook_events e ON e.id = d.event_id WHERE d.status = 'pending' ORDER BY e.seq`,
    ),
    attempted: db.prepare(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?, last_error = ?, updated_at = ?
       WHERE event_id = ? AND endpoint = ?`,
    ),
    settle: db.prepare(
      `UPDATE webhook_deliveries SET status = ?, delivered_at = ?, updated_at = ? WHERE event_id = ? AND endpoint = ?`,
    ),
    deliveries: db.prepare(
      `SELECT ${cols} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
       WHERE (?1 IS NULL OR d.event_id = ?1) AND (?2 IS NULL OR d.status = ?2) ORDER BY e.seq DESC LIMIT 500`,
    ),
    events: db.prepare(`SELECT payload FROM webhook_events WHERE (?1 IS NULL OR type = ?1) ORDER BY seq DESC LIMIT ?2`),
    event: db.prepare('SELECT payload, type FROM webhook_events WHERE id = ?'),
  };
  const now = (): string => new Date().toISOString();

  return {
    /** Records an event and its deliveries (call inside the ledger change's transaction). */
    record(type: EventType, object: PaymentIntent | Charge, request: EventRequest): StripeEvent {
      const endpoints = endpointsFor(type);
      const event: StripeEvent = {
        id: newId('evt'),
        object: 'event',
        api_version: API_VERSION,
        created: unixNow(),
        data: { object },
        livemode: false,
        pending_webhooks: endpoints.length,
        request: { id: request.requestId, idempotency_key: request.idempotencyKey },
        type,
      };
      q.insertEvent.run(event.id, type, event.created, JSON.stringify(event));
      for (const endpoint of endpoints) q.insertDelivery.run(event.id, endpoint, now());
      return event;
    },
    pending: () => q.pending.all() as unknown as PendingDelivery[],
    attempted(d: PendingDelivery, status: number | null, error: string | null): void {
      q.attempted.run(status, error, now(), d.eventId, d.endpoint);
    },
    settle(d: PendingDelivery, status: 'delivered' | 'failed'): void {
      q.settle.run(status, status === 'delivered' ? now() : null, now(), d.eventId, d.endpoint);
    },
    deliveries: (eventId?: string, status?: string) =>
      q.deliveries.all(eventId ?? null, status ?? null) as unknown as Delivery[],
    events: (limit: number, type?: string) =>
      (q.events.all(type ?? null, limit) as Array<{ payload: string }>).map(
        (r) => JSON.parse(r.payload) as StripeEvent,
      ),
    event(id: string): StripeEvent | undefined {
      const row = q.event.get(id) as { payload: string } | undefined;
      return row && (JSON.parse(row.payload) as StripeEvent);
    },
    /** Queues an event again for every endpoint subscribed to it (its deliveries back to pending). */
    resend(event: StripeEvent): Delivery[] {
      for (const endpoint of endpointsFor(event.type)) q.insertDelivery.run(event.id, endpoint, now());
      return this.deliveries(event.id);
    },
  };
}
export type WebhookOutbox = ReturnType<typeof createWebhookOutbox>;
