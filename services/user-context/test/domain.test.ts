/**
 * The strategies and the shaping, with in-memory sources whose answers the test releases one at a
 * time: which calls have started at each point is the proof of concurrent versus sequential.
 */
import { loadEnv, userContextStrategies } from '@fake-stripe/kernel';
import type { UserContextSource, UserContextStrategy, UserLocation, UserWeather } from '@fake-stripe/kernel';
import { envSchema } from '../src/config.ts';
import { aggregate } from '../src/domain.ts';
import type { Sources } from '../src/strategies.ts';

const here: UserLocation = {
  city: 'Berlin',
  region: 'Land Berlin',
  country: 'Germany',
  countryCode: 'DE',
  lat: 52.52,
  lon: 13.405,
  timezone: 'Europe/Berlin',
};
const sunny: UserWeather = { temperature: 21, windspeed: 5, weathercode: 0, time: '2026-06-01T12:00' };

/** Sources that answer only when the test settles them; `started` lists the calls made so far. */
function controlled() {
  const started: UserContextSource[] = [];
  const pending = new Map<UserContextSource, { resolve: (v: never) => void; reject: (e: unknown) => void }>();
  const call = <T>(name: UserContextSource): Promise<T> => {
    started.push(name);
    return new Promise<T>((resolve, reject) => pending.set(name, { resolve, reject }));
  };
  const sources: Sources = {
    location: () => call('location'),
    weather: () => call('weather'),
    catFact: () => call('catFact'),
  };
  const tick = () => new Promise((r) => setImmediate(r));
  return {
    sources,
    started,
    async settle(name: UserContextSource, value: unknown, fail = false) {
      const p = pending.get(name)!;
      if (fail) p.reject(value);
      else p.resolve(value as never);
      await tick();
    },
    tick,
  };
}

describe.each(['parallel', 'promise-allsettled', 'rxjs'] as const)('%s', (strategy: UserContextStrategy) => {
  it('starts the cat fact before location answers, and weather only after it', async () => {
    const c = controlled();
    const result = aggregate('1.1.1.1', strategy, c.sources);
    await c.tick();
    expect(c.started).toEqual(['location', 'catFact']);
    await c.settle('location', here);
    expect(c.started).toEqual(['location', 'catFact', 'weather']);
    await c.settle('weather', sunny);
    await c.settle('catFact', 'Cats purr.');
    expect(await result).toMatchObject({ location: here, weather: sunny, catFact: 'Cats purr.' });
  });
});

describe('sequential', () => {
  it('starts each call only after the one before has answered', async () => {
    const c = controlled();
    const result = aggregate('1.1.1.1', 'sequential', c.sources);
    await c.tick();
    expect(c.started).toEqual(['location']);
    await c.settle('location', here);
    expect(c.started).toEqual(['location', 'weather']);
    await c.settle('weather', new Error('HTTP 500 server_error'), true);
    expect(c.started).toEqual(['location', 'weather', 'catFact']);
    await c.settle('catFact', 'Cats purr.');
    expect(await result).toMatchObject({
      weather: null,
      sources: { weather: { ok: false, error: 'HTTP 500 server_error' }, catFact: { ok: true } },
    });
  });
});

describe.each(userContextStrategies)('%s when location fails', (strategy) => {
  it('never asks for the weather, and says why each field is null', async () => {
    const c = controlled();
    const result = aggregate('1.1.1.1', strategy, c.sources);
    await c.tick();
    await c.settle('location', new Error('private range'), true);
    await c.tick();
    await c.settle('catFact', 'not an Error', true);
    expect(c.started).not.toContain('weather');
    expect(await result).toEqual({
      ip: '1.1.1.1',
      strategy,
      location: null,
      weather: null,
      catFact: null,
      sources: {
        location: { ok: false, ms: expect.any(Number), error: 'private range' },
        weather: { ok: false, ms: 0, error: 'location unavailable' },
        catFact: { ok: false, ms: expect.any(Number), error: 'not an Error' },
      },
      totalMs: expect.any(Number),
    });
  });
});

describe('configuration', () => {
  it('defaults to the stand-in on port 3015 with 2 s per source; blank counts as unset', () => {
    const env = loadEnv(envSchema, { LOCATION_TIMEOUT_MS: '', CATFACT_API_URL: ' ' });
    expect(env).toMatchObject({
      PORT: 3000,
      LOCATION_API_URL: 'http://127.0.0.1:3015/ipapi',
      WEATHER_API_URL: 'http://127.0.0.1:3015/open-meteo',
      CATFACT_API_URL: 'http://127.0.0.1:3015/catfact',
      LOCATION_TIMEOUT_MS: 2000,
      WEATHER_TIMEOUT_MS: 2000,
      CATFACT_TIMEOUT_MS: 2000,
      ALLOW_CHAOS_FORCING: true,
    });
  });

  it.each([
    ['WEATHER_API_URL', 'not a url'],
    ['CATFACT_TIMEOUT_MS', '0'],
    ['LOCATION_TIMEOUT_MS', 'soon'],
  ])('refuses a bad %s, naming it', (name, value) => {
    expect(() => loadEnv(envSchema, { [name]: value })).toThrow(name);
  });
});
