/**
 * The local stack: one row per process that `make up` starts, in start order. Adding a service is
 * one line. Every `ready` probe is polled until it passes; `dependsOn` names rows that must be ready
 * first; `calls` names rows it calls but need not wait for (its calls retry until they answer);
 * `make down` stops a row before what it depends on or calls.
 */
import os from 'node:os';
import path from 'node:path';
import {
  LOCAL_TEMPORAL_ADDRESS,
  SERVICE_NODE_OPTIONS,
  localPorts,
  localUrl,
  temporalDevServerFlags,
} from '@fake-stripe/kernel';
import type { LocalProcess } from '@fake-stripe/kernel';
import { searchAttributes } from '@fake-stripe/kernel/workflow-definitions';

/** A program and its arguments. */
export type Command = [program: string, ...args: string[]];

/** A readiness check: GET `url` answers 200, or `command` exits 0 and its output matches every pattern. */
export type Probe = { url: string } | { command: Command; expect: RegExp[] };

export type ServiceDef = {
  name: string;
  command: Command;
  /** Sets PORT for the process; omit for processes that are not HTTP services. */
  port?: number;
  /** Environment of the process on top of the caller's (the caller's wins where it sets a variable). */
  env?: Record<string, string>;
  ready: Probe[];
  /** `make up` also waits for a pino line with this `msg`, logged by the process it started. */
  readyLog?: string;
  url?: string;
  docs?: string;
  metrics?: string;
  dependsOn?: string[];
  calls?: string[];
};

const root = path.resolve(import.meta.dirname, '../..');
/** Databases, logs, pid files and chaos files of the local stack, relative to the repository root. */
export const dataDir = process.env.DATA_DIR || '.data';
const temporalBin = path.join(root, '.tools/bin/temporal');
const TEMPORAL_ADDRESS = LOCAL_TEMPORAL_ADDRESS;
const TEMPORAL_UI_PORT = localPorts.temporalUi;

/**
 * The local stack's development tokens and switches: the services start with them and the scenario
 * CLI talks to the stack with them. The caller's environment wins (blank counts as unset).
 */
export const localDefaults = {
  ADMIN_TOKEN: 'dev-admin-token',
  MANAGER_TOKEN: 'dev-manager-token',
  CUSTOMER_TOKEN_SECRET: 'dev-customer-secret',
  LOG_LEVEL: 'info',
  ALLOW_CHAOS_FORCING: 'true',
};
export const localSetting = (name: keyof typeof localDefaults): string =>
  process.env[name]?.trim() || localDefaults[name];

// Search attributes the dev server registers at its start-up; the list API and the auditor query them.
export { searchAttributes };

const domainUrls = {
  PAYMENT_URL: localUrl('payment'),
  INVENTORY_URL: localUrl('inventory'),
  SHIPPING_URL: localUrl('shipping'),
  NOTIFICATION_URL: localUrl('notification'),
};
const domains = ['payment', 'inventory', 'shipping', 'notification'];
/**
 * Per-user build caches (the folder bootstrap keeps its tools in): Node's compile cache (the
 * TypeScript each service loads, stripped and compiled once per file content: ~0.5 s and ~30 MB of
 * memory a process), and the worker's workflow bundles (services/worker/src/bundle-cache.ts).
 */
const buildCache = path.join(
  process.env.FAKE_STRIPE_CACHE?.trim() ||
    path.join(process.env.XDG_CACHE_HOME?.trim() || path.join(os.homedir(), '.cache'), 'fake-stripe'),
  `build-${process.version}`,
);
const nodeEnv = { NODE_COMPILE_CACHE: path.join(buildCache, 'node-compile-cache'), NODE_OPTIONS: SERVICE_NODE_OPTIONS };
const node = (main: string): Command => [process.execPath, '--import', './services/kernel/src/telemetry.ts', main];

/** A koa service of this repository, started with the telemetry preload (it must load before koa). */
const http = (name: LocalProcess, port: number = localPorts[name], more: Partial<ServiceDef> = {}): ServiceDef => ({
  name,
  port,
  command: node(`services/${name}/src/main.ts`),
  env: nodeEnv,
  ready: [{ url: `http://127.0.0.1:${port}/ready` }],
  url: `http://localhost:${port}`,
  docs: `http://localhost:${port}/api/docs`,
  metrics: `http://localhost:${port}/metrics`,
  ...more,
});

const temporal: ServiceDef = {
  name: 'temporal',
  command: [
    temporalBin,
    ...[
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(localPorts.temporal),
      '--ui-port',
      String(TEMPORAL_UI_PORT),
    ],
    ...['--db-filename', path.join(dataDir, 'temporal.sqlite'), '--log-level', 'warn'],
    ...temporalDevServerFlags({ searchAttributes }),
  ],
  ready: [
    { command: [temporalBin, 'operator', 'cluster', 'health', '--address', TEMPORAL_ADDRESS], expect: [/SERVING/] },
    {
      command: [temporalBin, 'operator', 'search-attribute', 'list', '--address', TEMPORAL_ADDRESS],
      expect: Object.entries(searchAttributes).map(([key, type]) => new RegExp(`^\\s*${key}\\s+${type}\\s*$`, 'm')),
    },
  ],
  url: `http://localhost:${TEMPORAL_UI_PORT} (UI), ${TEMPORAL_ADDRESS} (gRPC)`,
};

const worker: ServiceDef = {
  name: 'worker',
  command: node('services/worker/src/main.ts'),
  env: {
    ...nodeEnv,
    TEMPORAL_ADDRESS,
    ...domainUrls,
    METRICS_PORT: String(localPorts.workerMetrics),
    WORKFLOW_BUNDLE_CACHE: path.join(buildCache, 'workflow-bundles'),
  },
  // /ready answers once the worker polls; the log line says so too.
  ready: [{ url: localUrl('worker', '/ready') }],
  readyLog: 'worker polling',
  url: `http://localhost:${localPorts.worker} (/health, /ready)`,
  metrics: `http://localhost:${localPorts.workerMetrics}/metrics`,
  // It polls Temporal; an activity whose service is not up yet is retried. Started beside the
  // services, not after them, so its bundling overlaps their start-up.
  dependsOn: ['temporal'],
  calls: domains,
};

// MANAGER_TOKEN, CUSTOMER_TOKEN_SECRET, ADMIN_TOKEN and ALLOW_CHAOS_FORCING come from localDefaults.
const api = http('api', undefined, {
  env: { ...nodeEnv, TEMPORAL_ADDRESS, ...domainUrls },
  dependsOn: ['temporal'],
  calls: [...domains, 'worker'],
});

export const services: ServiceDef[] = [
  temporal,
  http('payment'),
  http('inventory'),
  http('shipping'),
  http('notification'),
  http('public-apis'),
  http('user-context', undefined, { dependsOn: ['public-apis'] }),
  worker,
  api,
];
