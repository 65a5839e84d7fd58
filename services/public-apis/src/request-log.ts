/**
 * Every request the stand-in served, with high-resolution start and end times: the evidence that a
 * caller ran its calls concurrently or one after another. In memory, a bounded ring buffer.
 */
import type { UserContextSource } from '@fake-stripe/kernel';

export interface RequestRecord {
  api: UserContextSource;
  path: string;
  correlationId: string;
  /** Epoch milliseconds with fractions (`performance.timeOrigin + performance.now()`). */
  startedAt: number;
  /** When the answer was ready or the caller hung up, whichever came first; null while in flight. */
  endedAt: number | null;
  /** The HTTP status answered; null while in flight, or when no answer was sent (reset, caller gone). */
  status: number | null;
  /** The chaos outcome drawn or forced, when the request got that far. */
  outcome?: string;
}

export type RequestLog = ReturnType<typeof createRequestLog>;

export const preciseNow = (): number => performance.timeOrigin + performance.now();

export function createRequestLog(capacity = 10_000, now: () => number = preciseNow) {
  const ring: RequestRecord[] = [];
  let next = 0;
  return {
    start(r: Pick<RequestRecord, 'api' | 'path' | 'correlationId'>): RequestRecord {
      const record: RequestRecord = { ...r, startedAt: now(), endedAt: null, status: null };
      if (ring.length < capacity) ring.push(record);
      else ring[next] = record;
      next = (next + 1) % capacity;
      return record;
    },
    /** Ends a record once; later calls (the answer after the caller hung up) change nothing. */
    end(record: RequestRecord, status: number | null, outcome?: string): void {
      if (record.endedAt !== null) return;
      record.endedAt = now();
      record.status = status;
      if (outcome !== undefined) record.outcome = outcome;
    },
    /** The most recent `limit` records that match, oldest first. */
    list(filter: { correlationId?: string | undefined; api?: UserContextSource | undefined; limit: number }) {
      const ordered = ring.length < capacity ? ring : [...ring.slice(next), ...ring.slice(0, next)];
      const matching = ordered.filter(
        (r) =>
          (filter.correlationId === undefined || r.correlationId === filter.correlationId) &&
          (filter.api === undefined || r.api === filter.api),
      );
      return matching.slice(-filter.limit).map((r) => ({ ...r }));
    },
  };
}
