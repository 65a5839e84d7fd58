/**
 * The processes of the platform: where each listens on a local stack (`make up`), the default of
 * its PORT and of every URL that reaches it, so a port is written once (tests and the bench use
 * ephemeral ports instead); and which of them inject chaos. Light on purpose (no imports): tools
 * load it as `@fake-stripe/kernel/local-stack` without the rest of the kernel.
 */
export const localPorts = {
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
export type LocalProcess = keyof typeof localPorts;

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

/** `http://127.0.0.1:<port><path>` of a local process. */
export const localUrl = (name: LocalProcess, path = ''): string => `http://127.0.0.1:${localPorts[name]}${path}`;

/** The Temporal dev server's frontend on a local stack: the default when nothing configures one. */
export const LOCAL_TEMPORAL_ADDRESS = `127.0.0.1:${localPorts.temporal}`;

/**
 * The Stripe secret key a local stack (and the chart) shares by default: the payment service accepts
 * it (STRIPE_SECRET_KEYS) and the worker sends it (STRIPE_SECRET_KEY). A test-mode key, never a real one.
 */
export const LOCAL_STRIPE_SECRET_KEY = 'sk_test_fake_stripe_local';
