/**
 * Helpers for tests: real services on ephemeral ports with their SQLite files in a temp directory,
 * in-process (`startInProcess`) or as real child processes (`spawnService`).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { inspect } from 'node:util';
import getPort from 'get-port';
import pWaitFor from 'p-wait-for';
import { serviceEnvSchema } from './config.ts';
import { sampleOrder } from './contracts.ts';
import type { z } from 'zod';
import type { Service } from './service.ts';

export const repoRoot = resolve(import.meta.dirname, '../../..');

/** A port of 127.0.0.1 free now (never the same twice in a row), for a process started later. */
export const freePort = (): Promise<number> => getPort({ host: '127.0.0.1' });

export function tempDir(prefix = 'fake-stripe-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The env a service would parse, for a test: port 0, a temp data dir, an admin token. */
export function testEnv<S extends z.ZodType = typeof serviceEnvSchema>(
  overrides: Record<string, string> = {},
  schema?: S,
): z.output<S> {
  return (schema ?? serviceEnvSchema).parse({
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_TOKEN: 'test-admin-token',
    ...overrides,
  }) as z.output<S>;
}

export interface Running {
  url: string;
  service: Service;
  close(): Promise<void>;
}

/** Starts a service in this process on an ephemeral port; `schema` is the service's env schema. */
export async function startInProcess<S extends z.ZodType = typeof serviceEnvSchema>(
  create: (env: z.output<S>) => Service,
  overrides: Record<string, string> = {},
  schema?: S,
): Promise<Running> {
  const service = create(testEnv(overrides, schema));
  const { url } = await service.listen(0, '127.0.0.1');
  return { url, service, close: () => service.close() };
}

export interface Spawned {
  url: string;
  child: ChildProcess;
  /** Every stdout line so far (pino JSON). */
  lines: string[];
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `services/<name>/src/main.ts` as a real process with the telemetry preload, on an
 * ephemeral port, and resolves once it logs that it listens. The start is given a minute, as the
 * worker's is: alone a service listens in ~1 s, but beside two test files that each start a
 * platform on 2 cores it took over 15 s (a whole file then failed in its beforeAll).
 */
export function spawnService(name: string, env: Record<string, string>, timeoutMs = 60_000): Promise<Spawned> {
  const child = spawn(
    process.execPath,
    ['--import', join(repoRoot, 'services/kernel/src/telemetry.ts'), join(repoRoot, `services/${name}/src/main.ts`)],
    {
      cwd: repoRoot,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${stderr}\n${lines.join('\n')}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before listening:\n${stderr}\n${lines.join('\n')}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      try {
        const entry = JSON.parse(line) as { url?: string; msg?: string };
        if (entry.url && entry.msg?.endsWith('listening')) {
          clearTimeout(timer);
          resolvePromise({
            url: entry.url,
            child,
            lines,
            kill: async (signal = 'SIGTERM') => {
              if (child.exitCode === null && child.signalCode === null) child.kill(signal);
              await exited;
            },
          });
        }
      } catch {
        // not JSON: keep it for the error message
      }
    });
  });
}

/** A reply with its JSON body parsed; `any` so tests can reach into bodies of every shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonReply = { status: number; headers: Headers; body: any };

async function reply(res: Response): Promise<JsonReply> {
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** POSTs JSON (a string is sent as is) over real HTTP, no client retries. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<JsonReply> {
  const init: RequestInit = {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  };
  if (signal) init.signal = signal;
  return reply(await fetch(url, init));
}

export async function getJson(url: string, headers: Record<string, string> = {}): Promise<JsonReply> {
  return reply(await fetch(url, { headers }));
}

/**
 * Asserts the one error shape every service answers with: only its fields, the expected ones, a message, and the
 * request's correlation id. Returns the error for further checks. (Uses jest's global `expect`.)
 */
export function expectError(
  res: JsonReply,
  status: number,
  expected: { type: string; code?: string; param?: string; decline_code?: string },
): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error: expect.any(Object) });
  const error = res.body.error as Record<string, unknown>;
  expect(Object.keys(error).sort()).toEqual(expect.arrayContaining(['code', 'correlation_id', 'message', 'type']));
  for (const k of Object.keys(error))
    expect(['type', 'code', 'message', 'param', 'decline_code', 'correlation_id']).toContain(k);
  expect(error).toMatchObject(expected);
  expect(typeof error.message).toBe('string');
  expect((error.message as string).length).toBeGreaterThan(0);
  expect(error.correlation_id).toBe(res.headers.get('x-correlation-id'));
  return error;
}

/** A valid `POST /api/v1/order` body (the sample order, a fresh id); override what a test is about. */
export function sampleOrderRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...sampleOrder(`ORD-${randomUUID().slice(0, 8)}`), ...overrides };
}

/** A workflow history's upsert events, as the SDK's proto types and their JSON form both have them. */
interface UpsertHistory {
  events?: Array<{
    upsertWorkflowSearchAttributesEventAttributes?: {
      searchAttributes?: { indexedFields?: Record<string, { data?: Uint8Array | null }> | null } | null;
    } | null;
  }> | null;
}

/** The values a workflow history upserted into its OrderStatus search attribute, in order. */
export const upsertedOrderStatuses = (history: UpsertHistory): string[] =>
  (history.events ?? []).flatMap((e) => {
    const data = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.OrderStatus?.data;
    return data ? [JSON.parse(Buffer.from(data).toString()) as string] : [];
  });

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

export interface PollOptions<T> {
  /** When the value read is the one waited for; by default when it is truthy. */
  until?: (value: T) => boolean;
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Reads `read` every `intervalMs` until its value is the one waited for, and resolves with it. A read
 * that throws counts as not yet. After `timeoutMs` it fails naming `what` and the last value read.
 */
export function eventually<T>(
  read: () => T | Promise<T>,
  what: string,
  options?: PollOptions<T> & { until?: undefined },
): Promise<Truthy<T>>;
export function eventually<T>(
  read: () => T | Promise<T>,
  what: string,
  options: PollOptions<T> & { until: (value: T) => boolean },
): Promise<T>;
export async function eventually<T>(
  read: () => T | Promise<T>,
  what: string,
  { until = Boolean, timeoutMs = 5_000, intervalMs = 20 }: PollOptions<T> = {},
): Promise<T> {
  let last: unknown;
  return pWaitFor<T>(
    async () => {
      try {
        last = await read();
      } catch (err) {
        last = err;
        return false;
      }
      return until(last as T) && pWaitFor.resolveWith(last as T);
    },
    {
      interval: intervalMs,
      timeout: {
        milliseconds: timeoutMs,
        fallback: () => {
          const seen = inspect(last, { depth: 4, breakLength: Infinity });
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${seen})`);
        },
      },
    },
  );
}

/** A span as an OTLP/HTTP receiver got it: attributes flattened, with its scope and its resource's service.name. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  scope: string;
  service: string;
  attributes: Record<string, unknown>;
}

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}
interface OtlpTraces {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{
      scope?: { name?: string };
      spans?: Array<Omit<ReceivedSpan, 'scope' | 'service' | 'attributes'> & { attributes?: OtlpAttribute[] }>;
    }>;
  }>;
}
const flatten = (list: OtlpAttribute[] = []): Record<string, unknown> =>
  Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));

/**
 * A real OTLP/HTTP trace receiver on 127.0.0.1 (POST /v1/traces, JSON, gzip accepted): every span
 * it got, and the content type of every export (the kernel's exporter always sends JSON; a test can
 * require it).
 */
export async function startOtlpReceiver(): Promise<{
  url: string;
  spans: ReceivedSpan[];
  contentTypes: string[];
  close(): Promise<void>;
}> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const contentType = req.headers['content-type'] ?? '';
      if (req.method !== 'POST' || req.url !== '/v1/traces') return void res.writeHead(404).end();
      contentTypes.push(contentType);
      if (!contentType.startsWith('application/json')) return void res.writeHead(415).end();
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const doc = JSON.parse(body.toString('utf8')) as OtlpTraces;
      for (const rs of doc.resourceSpans ?? []) {
        const service = String(flatten(rs.resource?.attributes)['service.name']);
        for (const ss of rs.scopeSpans ?? [])
          for (const { attributes, ...span } of ss.spans ?? [])
            spans.push({ ...span, scope: ss.scope?.name ?? '', service, attributes: flatten(attributes) });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    contentTypes,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
