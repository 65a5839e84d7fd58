import { hash } from 'node:crypto';
import { z } from 'zod';
import type { Db } from './db.ts';
import type { AppError } from './errors.ts';

/** Outcomes every operation understands (the ways real APIs fail); business errors are named per operation. */
export const transportOutcomes = [
  'success',
  'timeout',
  'server_error',
  'rate_limited',
  'commit_then_timeout',
  'reset',
  'latency',
] as const;
export type TransportOutcome = (typeof transportOutcomes)[number];

/**
 * A profile, operation or outcome name as a chaos document's key: a letter, then letters, digits, `_`
 * or `-`. (Any string would let `__proto__` through, which the JSON body parser refuses.)
 */
const nameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'a name: a letter, then up to 63 letters, digits, _ or -');
const weightsSchema = z
  .record(nameSchema, z.number().nonnegative().finite())
  .refine((w) => Object.values(w).some((v) => v > 0), 'at least one weight must be positive');
const latencySchema = z
  .object({
    baseMs: z.number().int().nonnegative().optional(),
    jitterMs: z.number().int().nonnegative().optional(),
    /** Extra delay of the `latency` outcome. */
    extraMs: z.number().int().nonnegative().optional(),
  })
  .strict();
const operationOverrideSchema = z
  .object({ weights: weightsSchema.optional(), latency: latencySchema.optional() })
  .strict();
export type OperationOverride = z.infer<typeof operationOverrideSchema>;

/** The chaos document: a file, `PUT /{domain}/chaos`, or a ConfigMap key, all the same shape. */
export const chaosConfigSchema = z
  .object({
    /** `off`, `default`, or a name from `profiles`. */
    profile: z.string().min(1).default('default'),
    /** With a seed, draws are a pure function of (seed, operation, key, attempt). */
    seed: z.union([z.string().min(1), z.number()]).optional(),
    /** How long a `timeout` takes to answer (504). */
    timeoutMs: z.number().int().nonnegative().default(30_000),
    retryAfterSeconds: z.number().int().positive().default(1),
    /** Named profiles: per-operation changes to the service's default profile. */
    profiles: z.record(nameSchema, z.record(nameSchema, operationOverrideSchema)).default({}),
    /** Per-operation changes applied on top of the active profile. */
    overrides: z.record(nameSchema, operationOverrideSchema).default({}),
  })
  .strict()
  .meta({ id: 'ChaosConfig' });
export type ChaosConfigInput = z.input<typeof chaosConfigSchema>;
export type ChaosConfig = z.output<typeof chaosConfigSchema>;

export interface OperationChaos {
  weights: Record<string, number>;
  latency: { baseMs: number; jitterMs: number; extraMs: number };
}

/** What a service declares for one chaos operation. */
export interface OperationSpec {
  /** The operation's mix in the `default` profile. */
  weights: Record<string, number>;
  latency?: Partial<OperationChaos['latency']>;
  /** Business outcomes (e.g. `insufficient_funds`) and the definitive error each answers. */
  businessErrors?: Record<string, () => AppError>;
  /** Outcomes of its own that are no error, read by the service itself (webhook delivery's `duplicate`). */
  outcomes?: string[];
}

export interface Decision {
  outcome: string;
  latencyMs: number;
  forced: boolean;
  attempt: number;
}

const DEFAULT_LATENCY = { baseMs: 0, jitterMs: 0, extraMs: 1_000 };

/** Two uniform numbers in [0,1) from a hash of the draw's inputs. */
function seededUniforms(seed: string, operation: string, key: string, attempt: number): [number, number] {
  const digest = hash('sha256', `${seed}\u0000${operation}\u0000${key}\u0000${attempt}`, 'buffer');
  return [digest.readUIntBE(0, 6) / 2 ** 48, digest.readUIntBE(6, 6) / 2 ** 48];
}

/** Picks the outcome whose cumulative weight first exceeds `u` of the total. */
export function pickOutcome(weights: Record<string, number>, u: number): string {
  const entries = Object.entries(weights).filter(([, w]) => w > 0);
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let acc = 0;
  for (const [outcome, w] of entries) {
    acc += w / total;
    if (u < acc) return outcome;
  }
  // Rounding can leave the last cumulative weight a hair under 1: the last outcome takes the rest.
  const last = entries.at(-1);
  if (!last) throw new Error('No chaos outcome has a positive weight.');
  return last[0];
}

/**
 * The pure draw, so a seeded run replays exactly: with a seed, the outcome and latency depend only on
 * (seed, operation, idempotency key, attempt); without one, on Math.random.
 */
export function draw(
  op: OperationChaos,
  seed: string | number | undefined,
  operation: string,
  key: string,
  attempt: number,
): { outcome: string; latencyMs: number } {
  const [u1, u2] =
    seed === undefined ? [Math.random(), Math.random()] : seededUniforms(String(seed), operation, key, attempt);
  const outcome = pickOutcome(op.weights, u1);
  return { outcome, latencyMs: latencyFor(op, outcome, u2) };
}

function latencyFor(op: OperationChaos, outcome: string, u: number): number {
  const { baseMs, jitterMs, extraMs } = op.latency;
  return baseMs + Math.floor(u * (jitterMs + 1)) + (outcome === 'latency' ? extraMs : 0);
}

export type Chaos = ReturnType<typeof createChaos>;

type Operations = Record<string, OperationSpec>;
/** A valid chaos document and each operation's resolved mix, or why the document was refused. */
type Parsed =
  { ok: true; config: ChaosConfig; resolved: Record<string, OperationChaos> } | { ok: false; error: string };

/** The outcomes an operation accepts: the transport ones and its own business errors. */
function outcomesFor(operations: Operations, name: string): string[] {
  // Own keys only: `constructor` is a valid name, and an object's prototype has one.
  const spec = Object.hasOwn(operations, name) ? operations[name] : undefined;
  return [...transportOutcomes, ...Object.keys(spec?.businessErrors ?? {}), ...(spec?.outcomes ?? [])];
}

/** Validates a raw document against the schema and this service's operations and outcomes. */
function parseChaos(operations: Operations, raw: unknown): Parsed {
  const parsed = chaosConfigSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, error: z.prettifyError(parsed.error) };
  const config = parsed.data;
  const named =
    config.profile === 'off' || config.profile === 'default'
      ? {}
      : Object.hasOwn(config.profiles, config.profile)
        ? config.profiles[config.profile]
        : undefined;
  if (!named)
    return {
      ok: false,
      error: `unknown profile "${config.profile}" (have: off, default, ${Object.keys(config.profiles).join(', ')})`,
    };
  const error = unknownNames(operations, config);
  if (error) return { ok: false, error };
  return { ok: true, config, resolved: resolveOperations(operations, config, named) };
}

/**
 * Why a service whose operations accept `outcomes` (per operation, every outcome a weight may name: its
 * `GET /chaos/distribution`'s `outcomes`) would refuse `raw`, or undefined when it would apply it: the
 * service's own rules, for a writer that is not the service (the console writing a ConfigMap).
 */
export function chaosDocumentError(outcomes: Record<string, string[]>, raw: unknown): string | undefined {
  // Every operation accepts the transport outcomes: the service's own are the rest of its list.
  const own = (names: string[]): string[] => names.filter((n) => !(transportOutcomes as readonly string[]).includes(n));
  const operations = Object.fromEntries(
    Object.entries(outcomes).map(([op, names]) => [op, { weights: {}, outcomes: own(names) }]),
  );
  const parsed = parseChaos(operations, raw);
  return parsed.ok ? undefined : parsed.error;
}

/** The first operation or outcome that the overrides or a profile name and this service does not have. */
function unknownNames(operations: Operations, config: ChaosConfig): string | undefined {
  const checks: Array<[string, Record<string, OperationOverride>]> = [
    ['overrides', config.overrides],
    ...Object.entries(config.profiles).map(([p, ops]): [string, Record<string, OperationOverride>] => [
      `profiles.${p}`,
      ops,
    ]),
  ];
  for (const [where, ops] of checks) {
    for (const [name, override] of Object.entries(ops)) {
      if (!Object.hasOwn(operations, name))
        return `${where}: unknown operation "${name}" (have: ${Object.keys(operations).join(', ')})`;
      const outcomes = outcomesFor(operations, name);
      for (const outcome of Object.keys(override.weights ?? {})) {
        if (!outcomes.includes(outcome))
          return `${where}.${name}.weights: unknown outcome "${outcome}" (have: ${outcomes.join(', ')})`;
      }
    }
  }
  return undefined;
}

/** Each operation's mix: the service's default (or all success when off), then the profile, then the overrides. */
function resolveOperations(
  operations: Operations,
  config: ChaosConfig,
  named: Record<string, OperationOverride>,
): Record<string, OperationChaos> {
  const resolved: Record<string, OperationChaos> = {};
  for (const [name, spec] of Object.entries(operations)) {
    const base: OperationChaos =
      config.profile === 'off'
        ? { weights: { success: 1 }, latency: { ...DEFAULT_LATENCY } }
        : { weights: spec.weights, latency: { ...DEFAULT_LATENCY, ...spec.latency } };
    resolved[name] = [named[name], config.overrides[name]].reduce<OperationChaos>(
      (op, o) => (o ? { weights: o.weights ?? op.weights, latency: { ...op.latency, ...o.latency } } : op),
      base,
    );
  }
  return resolved;
}

/**
 * The chaos engine of one service: holds the live config (replaced atomically by `apply`), draws or
 * forces outcomes, and counts attempts per idempotency key durably so seeded replays are exact.
 */
export function createChaos(options: { operations: Operations; db: Db; initial?: unknown }) {
  const { operations, db } = options;
  db.exec(`CREATE TABLE IF NOT EXISTS chaos_attempts (
    operation TEXT NOT NULL, key TEXT NOT NULL, attempts INTEGER NOT NULL, PRIMARY KEY (operation, key))`);
  const bump = db.prepare(`INSERT INTO chaos_attempts (operation, key, attempts) VALUES (?, ?, 1)
    ON CONFLICT (operation, key) DO UPDATE SET attempts = attempts + 1 RETURNING attempts`);
  const keyless = new Map<string, number>();
  const served = new Map<string, Map<string, number>>();
  const outcomesOf = (name: string): string[] => outcomesFor(operations, name);
  const parse = (raw: unknown): Parsed => parseChaos(operations, raw);

  const first = parse(options.initial ?? {});
  if (!first.ok) throw new Error(`invalid chaos config: ${first.error}`);
  let current = first;

  return {
    operations: Object.keys(operations),
    outcomesOf,
    config: (): ChaosConfig => current.config,
    /** Replaces the live config when `raw` is valid; otherwise keeps the last good one. */
    apply(raw: unknown): { ok: true } | { ok: false; error: string } {
      const next = parse(raw);
      if (!next.ok) return next;
      current = next;
      return { ok: true };
    },
    /** The live outcome mix per operation, in percent, with latency. */
    distribution() {
      const ops: Record<string, { weights: Record<string, number>; latency: OperationChaos['latency'] }> = {};
      for (const [name, op] of Object.entries(current.resolved)) {
        const total = Object.values(op.weights).reduce((a, b) => a + b, 0);
        ops[name] = {
          weights: Object.fromEntries(
            Object.entries(op.weights).map(([o, w]) => [o, Math.round((w / total) * 10_000) / 100]),
          ),
          latency: op.latency,
        };
      }
      const { profile, seed, timeoutMs, retryAfterSeconds } = current.config;
      // Every outcome a weight may name, per operation: a client can offer those the mix leaves out.
      const outcomes = Object.fromEntries(Object.keys(operations).map((name) => [name, outcomesOf(name)]));
      return { profile, seeded: seed !== undefined, timeoutMs, retryAfterSeconds, operations: ops, outcomes };
    },
    /** Draws (or, when `forced`, takes) the outcome of one request and counts it. */
    decide(operation: string, key: string | undefined, forced: string | undefined): Decision {
      const op = current.resolved[operation];
      if (!op) throw new Error(`unknown chaos operation ${operation}`);
      let attempt: number;
      if (key && current.config.seed !== undefined) {
        // Durable only where it matters: a seeded draw depends on it, across restarts.
        attempt = (bump.get(operation, key) as { attempts: number }).attempts;
      } else if (key) {
        attempt = 0; // unseeded draws do not depend on it; not counted
      } else {
        attempt = (keyless.get(operation) ?? 0) + 1;
        keyless.set(operation, attempt);
      }
      const drawn = draw(op, current.config.seed, operation, key ?? '', attempt);
      const decision: Decision = forced
        ? { outcome: forced, latencyMs: latencyFor(op, forced, Math.random()), forced: true, attempt }
        : { ...drawn, forced: false, attempt };
      const counts = served.get(operation) ?? new Map<string, number>();
      counts.set(decision.outcome, (counts.get(decision.outcome) ?? 0) + 1);
      served.set(operation, counts);
      return decision;
    },
    /** Outcomes served since start, per operation. */
    stats(): Record<string, Record<string, number>> {
      return Object.fromEntries([...served].map(([op, counts]) => [op, Object.fromEntries(counts)]));
    },
    businessError(operation: string, outcome: string): AppError | undefined {
      return operations[operation]?.businessErrors?.[outcome]?.();
    },
    timeoutMs: (): number => current.config.timeoutMs,
    retryAfterSeconds: (): number => current.config.retryAfterSeconds,
  };
}
