/**
 * The processes of the platform: where each listens on a local stack (`make up`), the default of
 * its PORT and of every URL that reaches it, so a port is written once (tests and the bench use
 * ephemeral ports instead; `PORT_<NAME>` moves one); and which of them inject chaos. Light on purpose (no imports): tools
 * load it as `@fake-stripe/kernel/local-stack` without the rest of the kernel.
 */
const defaultPorts = {
  'user-context': 3000,
  api: 3002,
  payment: 3011,
  inventory: 3012,
  shipping: 3013,
  notification: 3014,
  'public-apis': 3015,
  /** The worker's /health and /ready (its metrics are workerMetrics). */
  worker: 3010,
  temporal: 7233,
  temporalUi: 8080,
  workerMetrics: 9464,
} as const;
export type LocalProcess = keyof typeof defaultPorts;

/** The variable that moves a local process to another port: `PORT_API`, `PORT_USER_CONTEXT`, `PORT_TEMPORAL_UI`… */
export const portVariable = (name: LocalProcess): string =>
  `PORT_${name
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toUpperCase()}`;

/**
 * Each local process's port: its default unless `PORT_<NAME>` says otherwise, so two stacks (or a
 * stack and a benchmark) run side by side. A value that is not a port, or two processes on one
 * port, stops the caller at once with the variables to fix.
 */
export function localPortsFrom(env: Record<string, string | undefined>): Record<LocalProcess, number> {
  const ports = {} as Record<LocalProcess, number>;
  const owner = new Map<number, string>();
  for (const name of Object.keys(defaultPorts) as LocalProcess[]) {
    const variable = portVariable(name);
    const raw = env[variable]?.trim();
    const port = raw ? Number(raw) : defaultPorts[name];
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`${variable}=${raw}: a port is a whole number from 1 to 65535`);
    const other = owner.get(port);
    if (other) throw new Error(`${variable} and ${other} are both ${port}: each local process needs its own port`);
    owner.set(port, variable);
    ports[name] = port;
  }
  return ports;
}

export const localPorts: Readonly<Record<LocalProcess, number>> = localPortsFrom(process.env);

/**
 * The services that inject chaos (`PUT /<service>/chaos`, a chaos file; in the chart, a chaos
 * ConfigMap each): the four domains and public-apis. `make chaos`, the Tiltfile's chaos buttons
 * and the tests take this list; the chart's topology (`_helpers.tpl`) and the Tiltfile, which
 * cannot import it, are checked against it (tests/k8s.test.ts, tests/tiltfile.test.ts).
 */
export const chaosServices = [
  'payment',
  'inventory',
  'shipping',
  'notification',
  'public-apis',
] as const satisfies readonly LocalProcess[];
export type ChaosService = (typeof chaosServices)[number];

/**
 * The eight services of the platform, each its own image and Deployment: the chaos services, then
 * user-context, the worker and the API. The image build, `make k8s-deploy` and the tests take this
 * list (`node tools/services.ts` prints it for the shell scripts); the Tiltfile is checked against it.
 */
export const platformServices = [
  ...chaosServices,
  'user-context',
  'worker',
  'api',
] as const satisfies readonly LocalProcess[];
export type PlatformService = (typeof platformServices)[number];

/** `http://127.0.0.1:<port><path>` of a local process. */
export const localUrl = (name: LocalProcess, path = ''): string => `http://127.0.0.1:${localPorts[name]}${path}`;

/** The Temporal dev server's frontend on a local stack: the default when nothing configures one. */
export const LOCAL_TEMPORAL_ADDRESS = `127.0.0.1:${localPorts.temporal}`;

/**
 * NODE_OPTIONS of every service process (`make up`, the images, `make bench`): V8's young generation
 * capped at 8 MB a semi-space. Left to itself V8 grows it to 32 MB during start-up and keeps it,
 * 5-60 MB of idle memory a process (the worker and the API most), ~100 MB under load; at 8 MB a
 * request server's short-lived garbage still dies young, for ~3 % of authorize's throughput
 * (docs/performance.md). services/Dockerfile sets the same (checked by test/service-node-options.test.ts).
 */
export const SERVICE_NODE_OPTIONS = '--max-semi-space-size=8';

/**
 * The SQLite pragmas the local Temporal dev server runs with (`make up`, `make bench`,
 * k8s/temporal-dev.yaml): write-ahead logging with normal sync. The dev server's default (rollback
 * journal, full sync) spends most of an order's time in fsync; WAL keeps every commit, and the
 * benchmark measures what users run.
 */
export const temporalSqlitePragmas = ['journal_mode=wal', 'synchronous=normal'] as const;

/**
 * The dynamic config the local Temporal dev server runs with (`make up`, `make bench`, the test
 * platform's in tests/harness.ts, k8s/temporal-dev.yaml's), as `--dynamic-config-value` arguments. The CLI's dev server turns on
 * `system.forceSearchAttributesCacheRefreshOnRead`, so that an attribute created while it runs is
 * usable at once: every call that touches search attributes (a start, an upsert, a visibility
 * record) then reads the cluster's metadata and the namespace from SQLite again, ~35 reads an order.
 * These servers get their attributes at start (`--search-attribute`), so the cache is right from
 * the first call. (The worker's `registerSearchAttributes` only adds them on a server that lacks them.)
 */
export const temporalDynamicConfig = ['system.forceSearchAttributesCacheRefreshOnRead=false'] as const;

/**
 * The `temporal server start-dev` flags of a local Temporal as `make up` runs it: `pragmas` (the
 * WAL ones by default), the dynamic config above, and `searchAttributes` (name → type) registered at
 * its start.
 */
export function temporalDevServerFlags(options: {
  pragmas?: readonly string[];
  searchAttributes?: Readonly<Record<string, string>>;
}): string[] {
  const { pragmas = temporalSqlitePragmas, searchAttributes = {} } = options;
  return [
    ...pragmas.flatMap((p) => ['--sqlite-pragma', p]),
    ...temporalDynamicConfig.flatMap((v) => ['--dynamic-config-value', v]),
    ...Object.entries(searchAttributes).flatMap(([key, type]) => ['--search-attribute', `${key}=${type}`]),
  ];
}

/**
 * The Stripe secret key a local stack (and the chart) shares by default: the payment service accepts
 * it (STRIPE_SECRET_KEYS) and the worker sends it (STRIPE_SECRET_KEY). A test-mode key, never a real one.
 */
export const LOCAL_STRIPE_SECRET_KEY = 'sk_test_fake_stripe_local';
