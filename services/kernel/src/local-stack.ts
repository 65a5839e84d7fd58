/**
 * Where each process listens on a local stack (`make up`): the default of its PORT and of every
 * URL that reaches it, so a port is written once. Tests and the bench use ephemeral ports instead.
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

/** `http://127.0.0.1:<port><path>` of a local process. */
export const localUrl = (name: LocalProcess, path = ''): string => `http://127.0.0.1:${localPorts[name]}${path}`;

/** The Temporal dev server's frontend on a local stack: the default when nothing configures one. */
export const LOCAL_TEMPORAL_ADDRESS = `127.0.0.1:${localPorts.temporal}`;
