/**
 * A webhook endpoint as an integrator writes one: a real HTTP server on 127.0.0.1 that verifies every
 * delivery with the SDK's `stripe.webhooks.constructEvent` (400 when it does not verify), and a
 * handler that is idempotent by event id: a duplicate is acknowledged, never applied twice, and each
 * event's effect reads the object's current state from the API, so an event that arrives late cannot
 * roll the state back.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Stripe from 'stripe';

export interface Received {
  /** Every delivery that verified, in arrival order (duplicates included). */
  deliveries: Stripe.Event[];
  /** Deliveries refused, with the SDK's reason. */
  refused: Array<{ path: string; error: string }>;
  /** Event ids whose effect the handler applied: each at most once. */
  applied: string[];
  /** The handler's view: object id → status read when its latest event was applied. */
  state: Map<string, string>;
}

export interface Receiver extends Received {
  url: string;
  /** Answers every delivery with this status instead (an endpoint that is down). */
  failWith: number | undefined;
  close(): Promise<void>;
}

/** `api` is read when an event is applied: the service it reads from may start after the receiver. */
export async function startReceiver(secret: string, api: () => Stripe): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    deliveries: [],
    refused: [],
    applied: [],
    state: new Map(),
    failWith: undefined,
    close: () => Promise.resolve(),
  };
  const apply = async (event: Stripe.Event): Promise<void> => {
    if (receiver.applied.includes(event.id)) return; // a duplicate: already applied
    receiver.applied.push(event.id);
    const object = event.data.object as { id: string; object: string };
    const current =
      object.object === 'payment_intent'
        ? (await api().paymentIntents.retrieve(object.id)).status
        : `refunded:${(event.data.object as Stripe.Charge).amount_refunded}`;
    receiver.state.set(object.id, current);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        if (receiver.failWith !== undefined) {
          res.writeHead(receiver.failWith).end();
          return;
        }
        let event: Stripe.Event;
        try {
          event = api().webhooks.constructEvent(
            Buffer.concat(chunks),
            String(req.headers['stripe-signature'] ?? ''),
            secret,
          );
        } catch (err) {
          receiver.refused.push({ path: req.url ?? '', error: (err as Error).constructor.name });
          res.writeHead(400).end();
          return;
        }
        receiver.deliveries.push(event);
        try {
          await apply(event);
        } catch {
          res.writeHead(500).end(); // not applied: the sender retries
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}
