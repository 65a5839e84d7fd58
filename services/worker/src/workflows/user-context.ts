import { ActivityFailure, ApplicationFailure, proxyActivities, setHandler } from '@temporalio/workflow';
import type {
  LOCATION_UNAVAILABLE,
  SourceOutcome,
  UserContextInput,
  UserContextResult,
  UserContextSource,
} from '@fake-stripe/kernel/contracts';
import type { UserContextActivities } from '../activities/user-context.ts';
import { progressQuery, userContextQuery } from '@fake-stripe/kernel/workflow-definitions';

// Public APIs are flaky and cheap: one quick retry, then the source is null (never a failed workflow).
const apis = proxyActivities<UserContextActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 2, initialInterval: '200 milliseconds' },
});

/** The kernel's constant, restated here because the sandbox imports only types; its type keeps both equal. */
const locationUnavailable: typeof LOCATION_UNAVAILABLE = 'location unavailable';

/**
 * A user's context: location by IP, the weather there, a cat fact, in the shape the REST aggregator
 * answers. `sequential` runs them one after another; every other strategy runs the cat fact beside
 * location→weather (as concurrent activities: there is one way to do that here). A failed source
 * gives `null` and an entry in `sources` saying why. Times are workflow time (Date.now() is
 * deterministic in a workflow): from scheduling an activity to its result, retries included.
 */
export async function userContextWorkflow(input: UserContextInput): Promise<UserContextResult> {
  const c = input.correlationId ? { correlationId: input.correlationId } : {};
  const pending: SourceOutcome = { ok: false, ms: 0, error: 'pending' };
  const result: UserContextResult = {
    userId: input.userId,
    ip: input.ip,
    strategy: input.strategy,
    location: null,
    weather: null,
    catFact: null,
    sources: { location: pending, weather: pending, catFact: pending },
    totalMs: 0,
  };
  let done = 0;
  setHandler(progressQuery, () => Math.round((done / 3) * 100));
  setHandler(userContextQuery, () => result);

  async function source<T>(name: UserContextSource, run: () => Promise<T>): Promise<T | null> {
    const started = Date.now();
    try {
      const value = await run();
      result.sources[name] = { ok: true, ms: Date.now() - started };
      return value;
    } catch (err) {
      result.sources[name] = { ok: false, ms: Date.now() - started, error: reason(err) };
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
      result.sources.weather = { ok: false, ms: 0, error: locationUnavailable };
      done += 1;
    }
  };
  const catFact = async (): Promise<void> => {
    result.catFact = await source('catFact', () => apis.getCatFact(c));
  };

  const started = Date.now();
  if (input.strategy === 'sequential') {
    await locationThenWeather();
    await catFact();
  } else {
    await Promise.all([locationThenWeather(), catFact()]);
  }
  result.totalMs = Date.now() - started;
  return result;
}

function reason(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) return cause.message;
  return cause instanceof Error ? cause.message : String(cause);
}
