/**
 * Where spans finished outside this process's tracer join its export pipeline. The workflow
 * sandbox makes its spans with a tracer of its own (deterministic ids, no I/O) and hands them out
 * through a sink; the worker relays them here, to the same span processor and resource as its
 * own spans. The telemetry preload sets the relay; without the preload (in-process tests) there
 * is none, and such spans are dropped like every other span there.
 */
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';

export interface SpanRelay {
  /** The process's resource (service.name, host, process): what its own spans carry. */
  resource: Resource;
  /** The process's span pipeline (batching OTLP export, or keep-only). */
  processor: Pick<SpanProcessor, 'onEnd'>;
}

// A global, not module state: the preload and the application may load this file through
// different specifiers, and a relay lost that way would drop every workflow span silently.
const KEY = Symbol.for('fake-stripe.span-relay');
const slot = globalThis as { [KEY]?: SpanRelay };

export function setSpanRelay(relay: SpanRelay): void {
  slot[KEY] = relay;
}

/** Hands finished spans to the process's pipeline; false when there is none (no preload). */
export function relaySpans(make: (resource: Resource) => ReadableSpan[]): boolean {
  const relay = slot[KEY];
  if (!relay) return false;
  for (const span of make(relay.resource)) relay.processor.onEnd(span);
  return true;
}
