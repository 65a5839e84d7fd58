import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createChaos } from './chaos.ts';
import type { Chaos, OperationSpec } from './chaos.ts';
import { readJsonFile, watchJsonFile } from './config.ts';
import type { ServiceEnv } from './config.ts';
import type { Db } from './db.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

/** The key of the chaos document in the chart's chaos ConfigMap (and the file it mounts). */
export const CHAOS_CONFIGMAP_KEY = 'chaos.json';

/** Where the config in force came from: the built-in default, CHAOS_FILE, `PUT /{domain}/chaos`, or CHAOS_CONFIGMAP. */
export const chaosSources = ['default', 'file', 'api', 'configmap'] as const;
export type ChaosSource = (typeof chaosSources)[number];

export interface ChaosSourceStatus {
  source: ChaosSource;
  /** The ConfigMap's resourceVersion, for the `configmap` source. */
  version?: string;
  /** When that source's config took effect. */
  since: string;
  lastError?: { source: ChaosSource; message: string; at: string };
}

export interface WiredChaos {
  chaos: Chaos;
  /** Applies a document from one source: the newest valid change wins, a bad one is refused and counted. */
  apply(source: ChaosSource, raw: unknown, version?: string): { ok: true } | { ok: false; error: string };
  status(): ChaosSourceStatus;
  stopWatching(): void;
}

/**
 * A service's chaos engine, started from its CHAOS_FILE (when set) and kept in step with the file and,
 * when CHAOS_CONFIGMAP is set, with that ConfigMap. A file that is missing or invalid at start-up leaves
 * the built-in default profile, logged; a bad document later from any source is logged, counted and
 * shown in `status()`, and the last good config stays.
 */
export function wireChaos(options: {
  /** The service's name: the source of the Events recorded on its ConfigMap. */
  service: string;
  operations: Record<string, OperationSpec>;
  db: Db;
  env: Pick<
    ServiceEnv,
    | 'CHAOS_FILE'
    | 'CHAOS_CONFIGMAP'
    | 'CHAOS_CONFIGMAP_NAMESPACE'
    | 'CHAOS_CONFIGMAP_RESYNC_SECONDS'
    | 'CHAOS_CONFIGMAP_BACKOFF_MAX_MS'
  >;
  metrics: Metrics;
  log: Logger;
}): WiredChaos {
  const { operations, db, env, metrics, log } = options;
  const file = env.CHAOS_FILE;
  let status: ChaosSourceStatus = { source: 'default', since: new Date().toISOString() };
  let initial: unknown = {};
  if (file) {
    try {
      initial = readJsonFile(file) ?? {};
      status = { source: 'file', since: status.since };
    } catch (err) {
      log.error({ file, err: (err as Error).message }, 'chaos file rejected at start-up: using the built-in default');
    }
  }
  let chaos: Chaos;
  try {
    chaos = createChaos({ operations, db, initial });
  } catch (err) {
    log.error({ err: (err as Error).message }, 'chaos config rejected at start-up: using the built-in default');
    chaos = createChaos({ operations, db });
    status = { source: 'default', since: status.since };
  }
  const engine = chaos;
  /** The mix in force as `fake_stripe_chaos_weight_ratio`, so a dashboard draws observed outcomes against it. */
  const publishWeights = (): void => {
    metrics.chaosWeights.reset();
    for (const [operation, { weights }] of Object.entries(engine.distribution().operations))
      for (const [outcome, percent] of Object.entries(weights))
        metrics.chaosWeights.set({ operation, outcome }, percent / 100);
  };
  publishWeights();
  // Every source at 0 from the start: a dashboard shows "none refused", not "no data".
  for (const source of chaosSources) metrics.chaosConfigRejected.inc({ source }, 0);

  /** A refused document: logged, counted, shown in `status()`; the last good config stays. */
  const refuse = (source: ChaosSource, reason: string, version?: string): { ok: false; error: string } => {
    metrics.chaosConfigRejected.inc({ source });
    status = { ...status, lastError: { source, message: reason, at: new Date().toISOString() } };
    log.error({ source, version, reason }, 'chaos config rejected; keeping the last good config');
    return { ok: false, error: reason };
  };
  const apply: WiredChaos['apply'] = (source, raw, version) => {
    const result = engine.apply(raw);
    if (!result.ok) return refuse(source, result.error, version);
    publishWeights();
    status = {
      source,
      ...(version === undefined ? {} : { version }),
      since: new Date().toISOString(),
      ...(status.lastError ? { lastError: status.lastError } : {}),
    };
    log.info({ source, version, chaos: engine.distribution() }, 'chaos config applied');
    return result;
  };
  /** One ConfigMap version's chaos key: the reason when it is refused. */
  const applyConfigMap = (text: string | undefined, version: string): string | undefined => {
    if (text === undefined)
      return refuse('configmap', `the ConfigMap has no ${CHAOS_CONFIGMAP_KEY} key`, version).error;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      return refuse('configmap', `${CHAOS_CONFIGMAP_KEY} is not JSON: ${(err as Error).message}`, version).error;
    }
    const result = apply('configmap', raw, version);
    return result.ok ? undefined : result.error;
  };

  const stops: Array<() => void> = [];
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    stops.push(watchJsonFile(file, log, (raw) => apply('file', raw)));
  }
  if (env.CHAOS_CONFIGMAP) {
    const configMap = env.CHAOS_CONFIGMAP;
    // The Kubernetes client is loaded only here: it costs ~0.5 s of CPU at start-up, which a service
    // without a ConfigMap (every one of `make up`) never pays. The watch starts once it is loaded.
    let stopWatch: (() => void) | undefined;
    let stopped = false;
    import('./chaos-configmap.ts').then(
      ({ watchChaosConfigMap }) => {
        if (stopped) return;
        stopWatch = watchChaosConfigMap({
          name: configMap,
          namespace: env.CHAOS_CONFIGMAP_NAMESPACE,
          component: `fake-stripe-${options.service}`,
          resyncMs: env.CHAOS_CONFIGMAP_RESYNC_SECONDS * 1000,
          backoffMaxMs: env.CHAOS_CONFIGMAP_BACKOFF_MAX_MS,
          log,
          onData: applyConfigMap,
          // A watch failure is no refused config: shown, not counted.
          onError: (message) => {
            status = { ...status, lastError: { source: 'configmap', message, at: new Date().toISOString() } };
          },
        });
      },
      (err: unknown) => log.error({ err: (err as Error).message }, 'the Kubernetes client could not be loaded'),
    );
    stops.push(() => {
      stopped = true;
      stopWatch?.();
    });
  }
  return { chaos, apply, status: () => status, stopWatching: () => stops.forEach((stop) => stop()) };
}
