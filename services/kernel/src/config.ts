import { watch, readFileSync, existsSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { z } from 'zod';
import { localUrl } from './local-stack.ts';
import type { Logger } from './logger.ts';

/** Blank counts as unset (as in opentelemetry-js's env getters). */
const blankIsUnset = (v: unknown): unknown => (typeof v === 'string' && v.trim() === '' ? undefined : v);
export const envString = () => z.preprocess(blankIsUnset, z.string().optional());
export const envText = (fallback: string) => z.preprocess(blankIsUnset, z.string().default(fallback));
export const envUrl = (fallback: string) => z.preprocess(blankIsUnset, z.url().default(fallback));
export const envInt = (fallback: number) =>
  z.preprocess(blankIsUnset, z.coerce.number().int().nonnegative().default(fallback));
export const envEnum = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.preprocess(blankIsUnset, z.enum(values).default(fallback));
export const envBool = (fallback: boolean) =>
  z.preprocess(
    blankIsUnset,
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
  );

/**
 * Who may call what: `open` (the local default, so the README's curl examples work) lets anyone read
 * and start; `strict` needs the customer's or a manager's token for the API's reads and starts, and
 * SERVICE_TOKEN, which only the worker and the API hold, for the domain services' writes and ledgers.
 */
export const authModes = ['open', 'strict'] as const;
export type AuthMode = (typeof authModes)[number];

/** The auth variables: every service and the worker read them. */
export const authEnvSchema = z.object({
  AUTH: envEnum(authModes, 'open'),
  SERVICE_TOKEN: envString(),
});
export type AuthEnv = z.infer<typeof authEnvSchema>;

/** A strict platform without a service token could not write at all: a start-up error naming it. */
export function checkAuthEnv(env: AuthEnv): void {
  if (env.AUTH === 'strict' && !env.SERVICE_TOKEN)
    throw new Error('invalid configuration:\n  SERVICE_TOKEN: required when AUTH=strict');
}

/** Where the four domain services answer: the worker's activities and the API's auditor call them. */
export const domainUrlsEnv = {
  PAYMENT_URL: envUrl(localUrl('payment')),
  INVENTORY_URL: envUrl(localUrl('inventory')),
  SHIPPING_URL: envUrl(localUrl('shipping')),
  NOTIFICATION_URL: envUrl(localUrl('notification')),
};

/** Variables every service reads; a service extends this schema with its own. */
export const serviceEnvSchema = z.object({
  ...authEnvSchema.shape,
  PORT: envInt(0),
  /** Loopback unless told otherwise (the images and the chart set 0.0.0.0 for a pod's network). */
  HOST: z.preprocess(blankIsUnset, z.string().default('127.0.0.1')),
  DATA_DIR: z.preprocess(blankIsUnset, z.string().default('.data')),
  CHAOS_FILE: envString(),
  /** A ConfigMap whose `chaos.json` key is a chaos source, watched through the Kubernetes API. */
  CHAOS_CONFIGMAP: envString(),
  /** Its namespace; unset, the pod's ServiceAccount namespace. */
  CHAOS_CONFIGMAP_NAMESPACE: envString(),
  /** Seconds between relists of that ConfigMap, beside its watch (0: none). */
  CHAOS_CONFIGMAP_RESYNC_SECONDS: envInt(300),
  /** The cap of the backoff between restarts of a failed watch, in ms. */
  CHAOS_CONFIGMAP_BACKOFF_MAX_MS: envInt(30_000),
  ADMIN_TOKEN: envString(),
  ALLOW_CHAOS_FORCING: envBool(true),
  IDEMPOTENCY_TTL_MS: envInt(24 * 60 * 60 * 1000),
  BODY_LIMIT: z.preprocess(
    blankIsUnset,
    z
      .string()
      .regex(/^\d+(b|kb|mb)$/i)
      .default('64kb'),
  ),
});
export type ServiceEnv = z.infer<typeof serviceEnvSchema>;

/** Parses `env` once at start-up; a bad variable stops the process with a message naming it. */
export function loadEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Readonly<z.infer<S>> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`invalid configuration:\n${lines}`);
  }
  return Object.freeze(parsed.data);
}

/** Reads a JSON file; undefined when it does not exist. */
export function readJsonFile(file: string): unknown {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * Watches one JSON file (through its directory, so editors' rename-writes and Kubernetes' symlink
 * swaps are seen) and hands every parsed version to `onChange`. Unparseable JSON is logged and
 * skipped; what is valid beyond JSON is `onChange`'s decision.
 */
export function watchJsonFile(file: string, log: Logger, onChange: (raw: unknown) => void): () => void {
  const path = resolve(file);
  let timer: NodeJS.Timeout | undefined;
  let last: string | undefined;
  const reload = (): void => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return; // removed or mid-rename: keep what we have
    }
    if (text === last) return;
    last = text;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      log.error(
        { file: path, err: (err as Error).message },
        'config file rejected: not valid JSON; keeping the last good config',
      );
      return;
    }
    onChange(raw);
  };
  try {
    last = readFileSync(path, 'utf8');
  } catch {
    last = undefined;
  }
  const watcher = watch(dirname(path), (_event, name) => {
    if (name && name !== basename(path) && !name.startsWith('..')) return;
    clearTimeout(timer);
    timer = setTimeout(reload, 50);
  });
  watcher.unref();
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
