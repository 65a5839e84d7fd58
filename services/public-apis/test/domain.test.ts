import { catFact, catFacts, cities, forecast, locate, specialRange } from '../src/domain.ts';
import { createRequestLog } from '../src/request-log.ts';

describe('locate (ip-api)', () => {
  it('gives the same city for the same IP, and spreads IPs over the cities', () => {
    expect(locate('8.8.8.8')).toEqual(locate('8.8.8.8'));
    const seen = new Set<string>();
    for (let i = 1; i <= 200; i++) {
      const a = locate(`${(i % 200) + 11}.${i}.${(i * 3) % 256}.${(i * 7) % 256}`);
      if (a.status === 'success') seen.add(a.city);
    }
    expect(seen.size).toBeGreaterThan(cities.length / 2);
  });

  it('answers a city with its real coordinates and time zone, and echoes the query', () => {
    const a = locate('2001:4860:4860::8888');
    expect(a.status).toBe('success');
    if (a.status !== 'success') return;
    const city = cities.find((c) => c.city === a.city)!;
    expect(a).toMatchObject({ ...city, query: '2001:4860:4860::8888' });
    expect(a.as).toMatch(/^AS645\d\d /);
  });

  it.each([
    ['10.0.0.1', 'private range'],
    ['127.0.0.1', 'private range'],
    ['192.168.1.20', 'private range'],
    ['172.16.0.1', 'private range'],
    ['172.31.255.255', 'private range'],
    ['::1', 'private range'],
    ['fd12:3456::1', 'private range'],
    ['::ffff:10.1.2.3', 'private range'],
    ['169.254.1.1', 'reserved range'],
    ['0.1.2.3', 'reserved range'],
    ['224.0.0.1', 'reserved range'],
    ['fe80::1', 'reserved range'],
  ])('answers %s with status fail, %s', (ip, message) => {
    expect(specialRange(ip)).toBe(message);
    expect(locate(ip)).toEqual({ status: 'fail', message, query: ip });
  });

  it.each(['172.15.0.1', '172.32.0.1', '192.169.0.1', '11.0.0.1', '2a00:1450::1'])('locates public %s', (ip) => {
    expect(locate(ip).status).toBe('success');
  });
});

describe('forecast (Open-Meteo)', () => {
  const at = new Date('2026-01-15T13:20:00Z');

  it('is a function of the coordinates rounded to two decimals and the UTC hour', () => {
    const a = forecast(52.52, 13.41, true, at);
    expect(forecast(52.5201, 13.4099, true, new Date('2026-01-15T13:59:59Z'))).toEqual(a);
    expect(a.latitude).toBe(52.52);
    expect(a.current_weather!.time).toBe('2026-01-15T13:00');
    const otherHours = [14, 15, 16, 17].map((h) => forecast(52.52, 13.41, true, new Date(`2026-01-15T${h}:00:00Z`)));
    expect(otherHours.some((f) => f.current_weather!.temperature !== a.current_weather!.temperature)).toBe(true);
  });

  it('is warmer near the equator than near the poles, and day follows the local sun', () => {
    const noonAtGreenwich = new Date('2026-03-20T12:00:00Z');
    const equator = forecast(0, 0, true, noonAtGreenwich).current_weather!;
    const arctic = forecast(80, 0, true, noonAtGreenwich).current_weather!;
    expect(equator.temperature).toBeGreaterThan(arctic.temperature);
    expect(equator.is_day).toBe(1);
    expect(forecast(0, 180, true, noonAtGreenwich).current_weather!.is_day).toBe(0);
  });

  it('leaves current_weather out unless asked', () => {
    const a = forecast(10, 10, false, at);
    expect(a.current_weather).toBeUndefined();
    expect(a).toMatchObject({ latitude: 10, longitude: 10, timezone: 'GMT', utc_offset_seconds: 0 });
  });
});

describe('catFact (catfact.ninja)', () => {
  it('gives the same fact for the same seed and its length', () => {
    expect(catFact('abc')).toEqual(catFact('abc'));
    expect(catFact('abc').length).toBe(catFact('abc').fact.length);
  });

  it('goes round robin through the list for a counter', () => {
    const facts = catFacts.map((_, i) => catFact(i).fact);
    expect(new Set(facts).size).toBe(catFacts.length);
    expect(catFact(catFacts.length).fact).toBe(facts[0]);
  });
});

describe('request log', () => {
  it('keeps the last `capacity` records, oldest first, each ended once', () => {
    let t = 0;
    const log = createRequestLog(3, () => ++t);
    const records = [1, 2, 3, 4].map((i) => log.start({ api: 'location', path: `/p${i}`, correlationId: `c${i % 2}` }));
    log.end(records[1]!, 200, 'success');
    log.end(records[1]!, 504, 'timeout');
    expect(log.list({ limit: 10 }).map((r) => r.path)).toEqual(['/p2', '/p3', '/p4']);
    expect(log.list({ limit: 10, correlationId: 'c0' }).map((r) => r.path)).toEqual(['/p2', '/p4']);
    expect(log.list({ limit: 1 }).map((r) => r.path)).toEqual(['/p4']);
    expect(log.list({ limit: 10 })[0]).toMatchObject({ status: 200, outcome: 'success', startedAt: 2, endedAt: 5 });
    expect(log.list({ limit: 10 })[1]).toMatchObject({ status: null, endedAt: null });
  });
});
