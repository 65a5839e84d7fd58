import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

interface RequestContext {
  correlationId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const CORRELATION_HEADER = 'x-correlation-id';

/** Runs `fn` with the given correlation id as the ambient one (logs, error bodies, clients). */
export function withCorrelationId<T>(correlationId: string, fn: () => T): T {
  return storage.run({ correlationId }, fn);
}

/** The ambient correlation id, or a fresh one outside a request. */
export function correlationId(): string {
  return storage.getStore()?.correlationId ?? newCorrelationId();
}

export function currentCorrelationId(): string | undefined {
  return storage.getStore()?.correlationId;
}

export const newCorrelationId = (): string => `corr_${randomUUID()}`;
