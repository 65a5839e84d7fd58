/**
 * The aggregator's ways to run the sources, one per strategy of the shared vocabulary. Each returns
 * every source settled (a value or the reason it failed), never throws for a source, and calls
 * weather only once location has answered.
 */
import { LOCATION_UNAVAILABLE } from '@fake-stripe/kernel';
import type { UserContextStrategy, UserLocation, UserWeather } from '@fake-stripe/kernel';
import { catchError, defer, firstValueFrom, forkJoin, map, of, switchMap } from 'rxjs';
import type { Observable } from 'rxjs';

/** The three upstream calls of one request (bound to its IP, headers and timeouts). */
export interface Sources {
  location(): Promise<UserLocation>;
  weather(at: UserLocation): Promise<UserWeather>;
  catFact(): Promise<string>;
}

export interface Gathered {
  location: PromiseSettledResult<UserLocation>;
  weather: PromiseSettledResult<UserWeather>;
  catFact: PromiseSettledResult<string>;
}

/** Weather's result when there is no location to ask about. */
const locationUnavailable = new Error(LOCATION_UNAVAILABLE);
const unavailable: PromiseRejectedResult = { status: 'rejected', reason: locationUnavailable };

/** location→weather and the cat fact at the same time; Promise.allSettled collects every outcome. */
async function promiseAllSettled(s: Sources): Promise<Gathered> {
  const location = s.location();
  const weather = location.then(
    (at) => s.weather(at),
    () => Promise.reject(locationUnavailable),
  );
  const [l, w, c] = await Promise.allSettled([location, weather, s.catFact()]);
  return { location: l, weather: w, catFact: c };
}

async function settle<T>(call: () => Promise<T>): Promise<PromiseSettledResult<T>> {
  try {
    return { status: 'fulfilled', value: await call() };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}

/** Location, then weather, then the cat fact, each awaited before the next starts. */
async function sequential(s: Sources): Promise<Gathered> {
  const location = await settle(() => s.location());
  const weather = location.status === 'fulfilled' ? await settle(() => s.weather(location.value)) : unavailable;
  const catFact = await settle(() => s.catFact());
  return { location, weather, catFact };
}

/** One call as an observable that emits its settled result once (its error caught into a reason). */
const settled$ = <T>(call: () => Promise<T>): Observable<PromiseSettledResult<T>> =>
  defer(call).pipe(
    map((value): PromiseSettledResult<T> => ({ status: 'fulfilled', value })),
    catchError((reason: unknown) => of<PromiseSettledResult<T>>({ status: 'rejected', reason })),
  );

/** forkJoin of location$ → switchMap(weather$) and catFact$: both branches subscribed at once. */
function rxjs(s: Sources): Promise<Gathered> {
  const locationAndWeather$ = settled$(() => s.location()).pipe(
    switchMap((location) =>
      location.status === 'fulfilled'
        ? settled$(() => s.weather(location.value)).pipe(map((weather) => ({ location, weather })))
        : of({ location, weather: unavailable }),
    ),
  );
  return firstValueFrom(
    forkJoin([locationAndWeather$, settled$(() => s.catFact())]).pipe(
      map(([{ location, weather }, catFact]): Gathered => ({ location, weather, catFact })),
    ),
  );
}

/** `parallel` leaves the tool to the runner: here it is Promise.allSettled. */
export const runners: Record<UserContextStrategy, (s: Sources) => Promise<Gathered>> = {
  parallel: promiseAllSettled,
  'promise-allsettled': promiseAllSettled,
  rxjs,
  sequential,
};
