/**
 * The stand-in data of the three public APIs: plain functions, no koa. Every answer is a pure
 * function of its input (and, for the weather, of the hour), so a test or a replayed workflow sees
 * the same data for the same request.
 */
import { createHash } from 'node:crypto';
import type { CatFact, CurrentWeather, Forecast, IpApiAnswer } from './schemas.ts';

/** Uniform numbers in [0,1) from a hash of `text` (up to five). */
function uniforms(text: string): [number, number, number, number, number] {
  const d = createHash('sha256').update(text).digest();
  const u = (i: number): number => d.readUIntBE(i * 6, 6) / 2 ** 48;
  return [u(0), u(1), u(2), u(3), u(4)];
}
/** The item at `index` of a fixed, non-empty table (an index out of it is a bug here). */
function itemAt<T>(list: readonly T[], index: number): T {
  const item = list[index];
  if (item === undefined) throw new Error(`No item ${index} in a table of ${list.length}.`);
  return item;
}
const pick = <T>(list: readonly T[], u: number): T => itemAt(list, Math.floor(u * list.length));
const round = (n: number, decimals: number): number => {
  const f = 10 ** decimals;
  return Math.round(n * f) / f;
};

// ---------------------------------------------------------------------------------------------------
// IP geolocation (ip-api.com's /json/{query})

/** What ip-api says about a place; the rest of its answer is about the IP and its network. */
type City = Omit<Extract<IpApiAnswer, { status: 'success' }>, 'status' | 'query' | 'isp' | 'org' | 'as'>;

/** Real cities with their coordinates and time zones; an IP hashes to one of them. */
export const cities: readonly City[] = [
  c('New York', 'NY', 'New York', 'United States', 'US', '10001', 40.7128, -74.006, 'America/New_York'),
  c('San Francisco', 'CA', 'California', 'United States', 'US', '94103', 37.7749, -122.4194, 'America/Los_Angeles'),
  c('Chicago', 'IL', 'Illinois', 'United States', 'US', '60601', 41.8781, -87.6298, 'America/Chicago'),
  c('Toronto', 'ON', 'Ontario', 'Canada', 'CA', 'M5H', 43.6532, -79.3832, 'America/Toronto'),
  c('Mexico City', 'CMX', 'Mexico City', 'Mexico', 'MX', '06000', 19.4326, -99.1332, 'America/Mexico_City'),
  c('São Paulo', 'SP', 'São Paulo', 'Brazil', 'BR', '01000-000', -23.5505, -46.6333, 'America/Sao_Paulo'),
  c('Lima', 'LMA', 'Lima', 'Peru', 'PE', '15001', -12.0464, -77.0428, 'America/Lima'),
  c('London', 'ENG', 'England', 'United Kingdom', 'GB', 'EC1A', 51.5074, -0.1278, 'Europe/London'),
  c('Paris', 'IDF', 'Île-de-France', 'France', 'FR', '75001', 48.8566, 2.3522, 'Europe/Paris'),
  c('Berlin', 'BE', 'Land Berlin', 'Germany', 'DE', '10115', 52.52, 13.405, 'Europe/Berlin'),
  c('Madrid', 'MD', 'Madrid', 'Spain', 'ES', '28001', 40.4168, -3.7038, 'Europe/Madrid'),
  c('Stockholm', 'AB', 'Stockholm County', 'Sweden', 'SE', '111 20', 59.3293, 18.0686, 'Europe/Stockholm'),
  c('Cairo', 'C', 'Cairo Governorate', 'Egypt', 'EG', '11511', 30.0444, 31.2357, 'Africa/Cairo'),
  c('Nairobi', '30', 'Nairobi County', 'Kenya', 'KE', '00100', -1.2921, 36.8219, 'Africa/Nairobi'),
  c('Lagos', 'LA', 'Lagos', 'Nigeria', 'NG', '100001', 6.5244, 3.3792, 'Africa/Lagos'),
  c('Dubai', 'DU', 'Dubai', 'United Arab Emirates', 'AE', '', 25.2048, 55.2708, 'Asia/Dubai'),
  c('Mumbai', 'MH', 'Maharashtra', 'India', 'IN', '400001', 19.076, 72.8777, 'Asia/Kolkata'),
  c('Singapore', '01', 'Central Singapore', 'Singapore', 'SG', '018989', 1.3521, 103.8198, 'Asia/Singapore'),
  c('Tokyo', '13', 'Tokyo', 'Japan', 'JP', '100-0001', 35.6762, 139.6503, 'Asia/Tokyo'),
  c('Seoul', '11', 'Seoul', 'South Korea', 'KR', '04524', 37.5665, 126.978, 'Asia/Seoul'),
  c('Sydney', 'NSW', 'New South Wales', 'Australia', 'AU', '2000', -33.8688, 151.2093, 'Australia/Sydney'),
  c('Auckland', 'AUK', 'Auckland', 'New Zealand', 'NZ', '1010', -36.8485, 174.7633, 'Pacific/Auckland'),
];
function c(
  city: string,
  region: string,
  regionName: string,
  country: string,
  countryCode: string,
  zip: string,
  lat: number,
  lon: number,
  timezone: string,
): City {
  return { city, region, regionName, country, countryCode, zip, lat, lon, timezone };
}

/** Made-up providers; the AS numbers are from the private-use range. */
const isps = ['Example Broadband', 'Stand-in Telecom', 'Placeholder Networks', 'Sample Fiber', 'Mock Mobile'];

/**
 * ip-api's answer for a private or reserved address, or undefined for a public one. The four
 * private IPv4 ranges (loopback included, as this stand-in's contract says) and their IPv6
 * counterparts are "private range"; other special-purpose ranges are "reserved range".
 */
export function specialRange(ip: string): 'private range' | 'reserved range' | undefined {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip)?.[1];
  const v4 = mapped ?? (ip.includes(':') ? undefined : ip);
  if (v4 !== undefined) {
    const [a = 0, b = 0] = v4.split('.').map(Number);
    if (a === 10 || a === 127 || (a === 192 && b === 168) || (a === 172 && b >= 16 && b <= 31)) return 'private range';
    if (a === 0 || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127) || a >= 224) return 'reserved range';
    return undefined;
  }
  const lower = ip.toLowerCase();
  if (lower === '::1') return 'private range';
  if (lower === '::') return 'reserved range';
  const [head = ''] = lower.split(':'); // split gives at least one part
  const first = lower.startsWith('::') ? 0 : parseInt(head, 16);
  if ((first & 0xfe00) === 0xfc00) return 'private range'; // fc00::/7, unique local
  if ((first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00) return 'reserved range'; // link-local, multicast
  return undefined;
}

/** ip-api's answer for a (valid) IP: a city chosen by the IP's hash, or `fail` for special ranges. */
export function locate(ip: string): IpApiAnswer {
  const range = specialRange(ip);
  if (range) return { status: 'fail', message: range, query: ip };
  const [u1, u2] = uniforms(`ip\u0000${ip.toLowerCase()}`);
  const city = pick(cities, u1);
  const ispIndex = Math.floor(u2 * isps.length);
  const isp = itemAt(isps, ispIndex);
  return { status: 'success', ...city, isp, org: isp, as: `AS${64512 + ispIndex} ${isp}`, query: ip };
}

// ---------------------------------------------------------------------------------------------------
// Current weather (Open-Meteo's /v1/forecast?current_weather=true)

/** WMO weather codes Open-Meteo uses: clear, cloudy, fog, drizzle, rain, showers, thunderstorm. */
const weatherCodes = [0, 0, 0, 1, 1, 2, 2, 3, 3, 45, 51, 61, 63, 80, 95];
/** Rain and drizzle codes and the snow code that replaces each below freezing. */
const snowFor: Record<number, number> = { 51: 71, 61: 73, 63: 75, 80: 85 };

const units: Record<keyof CurrentWeather, string> = {
  time: 'iso8601',
  interval: 'seconds',
  temperature: '°C',
  windspeed: 'km/h',
  winddirection: '°',
  is_day: '',
  weathercode: 'wmo code',
};

/**
 * Open-Meteo's answer for a place at a moment: a pure function of the coordinates rounded to two
 * decimals and the UTC hour. Warmer near the equator, warmest mid-afternoon local solar time.
 */
export function forecast(latitude: number, longitude: number, currentWeather: boolean, now: Date): Forecast {
  const lat = round(latitude, 2);
  const lon = round(longitude, 2);
  const hour = `${now.toISOString().slice(0, 13)}:00`;
  const [place] = uniforms(`place\u0000${lat}\u0000${lon}`);
  const answer: Forecast = {
    latitude: lat,
    longitude: lon,
    generationtime_ms: 0.05,
    utc_offset_seconds: 0,
    timezone: 'GMT',
    timezone_abbreviation: 'GMT',
    elevation: Math.round(place * 600),
  };
  if (!currentWeather) return answer;
  const [noise, wind, direction, sky] = uniforms(`weather\u0000${lat}\u0000${lon}\u0000${hour}`);
  const solarHour = (((now.getUTCHours() + lon / 15) % 24) + 24) % 24;
  const temperature = round(
    30 - 0.5 * Math.abs(lat) + 5 * Math.sin(((solarHour - 9) / 24) * 2 * Math.PI) + (noise - 0.5) * 6,
    1,
  );
  const code = pick(weatherCodes, sky);
  return {
    ...answer,
    current_weather_units: units,
    current_weather: {
      time: hour,
      interval: 900,
      temperature,
      windspeed: round(wind * 40, 1),
      winddirection: Math.floor(direction * 360),
      is_day: solarHour >= 6 && solarHour < 18 ? 1 : 0,
      weathercode: temperature < 0 ? (snowFor[code] ?? code) : code,
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Cat facts (catfact.ninja's /fact)

export const catFacts: readonly string[] = [
  'Cats sleep for around 13 to 16 hours a day.',
  'A group of cats is called a clowder.',
  'A cat has 32 muscles in each ear.',
  'Cats can rotate their ears 180 degrees.',
  "A cat's nose print is unique, much like a human's fingerprint.",
  'Cats walk like camels and giraffes: both right feet, then both left feet.',
  'Adult cats meow mostly to communicate with people, not with other cats.',
  'A cat can jump up to six times its length.',
  'Cats have a third eyelid, called a haw.',
  'Most cats do not have eyelashes.',
  'Cats cannot taste sweetness.',
  "A cat's whiskers are roughly as wide as its body.",
  'The oldest known pet cat was found in a 9,500-year-old grave on Cyprus.',
  'Cats spend a large part of their waking hours grooming themselves.',
  'A house cat can sprint at about 30 miles per hour over short distances.',
  'Kittens are born with blue eyes; their adult color appears later.',
  'A cat purrs at a frequency of about 25 to 150 hertz.',
  'Cats have five toes on their front paws and four on their back paws.',
  'The technical term for a hairball is a bezoar.',
  'Cats can make over 100 different sounds, dogs only about 10.',
];

/** catfact.ninja's answer: the fact for a seed (its hash) or for a number (round robin). */
export function catFact(seed: string | number): CatFact {
  const index =
    typeof seed === 'number' ? seed % catFacts.length : Math.floor(uniforms(`fact\u0000${seed}`)[0] * catFacts.length);
  const fact = itemAt(catFacts, index);
  return { fact, length: fact.length };
}
