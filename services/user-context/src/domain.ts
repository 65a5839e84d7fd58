/**
 * The aggregation: run a strategy over timed sources and shape what came back into the answer. A
 * failed source is a `null` field and a `sources` entry saying why; nothing here throws for one.
 */
import type { SourceOutcome, UserContext, UserContextSource, UserContextStrategy } from '@fake-stripe/kernel';
import { runners } from './strategies.ts';
import type { Sources } from './strategies.ts';

const ms = (n: number): number => Math.round(n);

/** Why a source failed, in a few words (the client already phrased its errors that way). */
export function reasonOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : 'failed';
}

function outcome<T>(result: PromiseSettledResult<T>, took: number): [T | null, SourceOutcome] {
  if (result.status === 'fulfilled') return [result.value, { ok: true, ms: ms(took) }];
  return [null, { ok: false, ms: ms(took), error: reasonOf(result.reason) }];
}

/** Gathers a user's context with `strategy`; each source's time is measured around its own call. */
export async function aggregate(
  ip: string,
  strategy: UserContextStrategy,
  sources: Sources,
  now: () => number = () => performance.now(),
): Promise<UserContext> {
  const took: Record<UserContextSource, number> = { location: 0, weather: 0, catFact: 0 };
  const time = async <T>(name: UserContextSource, call: () => Promise<T>): Promise<T> => {
    const started = now();
    try {
      return await call();
    } finally {
      took[name] = now() - started;
    }
  };
  const started = now();
  const gathered = await runners[strategy]({
    location: () => time('location', () => sources.location()),
    weather: (at) => time('weather', () => sources.weather(at)),
    catFact: () => time('catFact', () => sources.catFact()),
  });
  const totalMs = ms(now() - started);
  const [location, locationOutcome] = outcome(gathered.location, took.location);
  const [weather, weatherOutcome] = outcome(gathered.weather, took.weather);
  const [catFact, catFactOutcome] = outcome(gathered.catFact, took.catFact);
  return {
    ip,
    strategy,
    location,
    weather,
    catFact,
    sources: { location: locationOutcome, weather: weatherOutcome, catFact: catFactOutcome },
    totalMs,
  };
}
