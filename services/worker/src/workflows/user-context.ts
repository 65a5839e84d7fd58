import { ActivityFailure, ApplicationFailure, proxyActivities, setHandler } from '@temporalio/workflow';
import type { SourceOutcome, UserContextInput, UserContextResult, UserContextSource } from '@fake-stripe/kernel';
import type { UserContextActivities } from '../activities/user-context.ts';
import { progressQuery, userContextQuery } from './definitions.ts';

// Public APIs are flaky and cheap: one quick retry, then the source is null (never a failed workflow).
const apis = proxyActivities<UserContextActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 2, initialInterval: '200 milliseconds' },
});

/**
 * A user's context (SPEC §4.1): location by IP, the weather there, a cat fact. `parallel` runs the
 * cat fact beside location→weather; `sequential` runs them one after another. A failed source
 * gives `null` and an entry in `sources` saying why.
 */
export async function userContextWorkflow(input: UserContextInput): Promise<UserContextResult> {
  const c = input.correlationId ? { correlationId: input.correlationId } : {};
  const result: UserContextResult = {
    userId: input.userId,
    ip: input.ip,
    strategy: input.strategy,
    location: null,
    weather: null,
    catFact: null,
    sources: {
      location: { ok: false, error: 'pending' },
      weather: { ok: false, error: 'pending' },
      catFact: { ok: false, error: 'pending' },
    },
  };
  let done = 0;
  setHandler(progressQuery, () => Math.round((done / 3) * 100));
  setHandler(userContextQuery, () => result);

  async function source<T>(name: UserContextSource, run: () => Promise<T>): Promise<T | null> {
    try {
      const value = await run();
      result.sources[name] = { ok: true };
      return value;
    } catch (err) {
      result.sources[name] = { ok: false, error: reason(err) };
      return null;
    } finally {
      done += 1;
    }
  }

  const locationThenWeather = async (): Promise<void> => {
    result.location = await source('location', () => apis.getCurrentLocation({ ip: input.ip, ...c }));
    const where = result.location;
    if (where)
      result.weather = await source('weather', () => apis.getWeather({ lat: where.lat, lon: where.lon, ...c }));
    else {
      result.sources.weather = { ok: false, error: 'location unavailable' } satisfies SourceOutcome;
      done += 1;
    }
  };
  const catFact = async (): Promise<void> => {
    result.catFact = await source('catFact', () => apis.getCatFact(c));
  };

  if (input.strategy === 'sequential') {
    await locationThenWeather();
    await catFact();
  } else {
    await Promise.all([locationThenWeather(), catFact()]);
  }
  return result;
}

function reason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return cause.message;
  return cause instanceof Error ? cause.message : String(cause);
}
