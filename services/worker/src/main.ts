/**
 * The worker process: connects to Temporal, registers the order search attributes (a Temporal
 * installed by its own chart has none of ours), polls the task queue, and answers `/health` (the
 * process is up) and `/ready` (the worker is polling) on PORT for probes. SIGINT/SIGTERM make the
 * SDK drain: running tasks finish, then the health server closes.
 */
import { createService, logger } from '@fake-stripe/kernel';
// A CommonJS package: its namespaces come through the default export.
import proto from '@temporalio/proto';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { cachedWorkflowBundle } from './bundle-cache.ts';
import { loadWorkerEnv } from './config.ts';
import type { WorkerEnv } from './config.ts';
import { pinoForSdk, workerOptions } from './worker.ts';
import { searchAttributes } from '@fake-stripe/kernel/workflow-definitions';

const { IndexedValueType } = proto.temporal.api.enums.v1;
const indexedType = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
};
const GRPC_ALREADY_EXISTS = 6;

/** Adds the search attributes the API lists orders by; a server that has them already is fine. */
export async function registerSearchAttributes(connection: NativeConnection, namespace: string): Promise<void> {
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(Object.entries(searchAttributes).map(([k, t]) => [k, indexedType[t]])),
    });
    logger.info({ namespace, searchAttributes }, 'search attributes registered');
  } catch (err) {
    if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw err;
  }
}

/** The env with WORKFLOW_BUNDLE set from the bundle cache, when there is one and no bundle is given. */
async function withCachedBundle(env: WorkerEnv): Promise<WorkerEnv> {
  if (env.WORKFLOW_BUNDLE || !env.WORKFLOW_BUNDLE_CACHE) return env;
  const started = performance.now();
  const { file, built } = await cachedWorkflowBundle(env.WORKFLOW_BUNDLE_CACHE);
  logger.info(
    { file, built, ms: Math.round(performance.now() - started) },
    built ? 'workflow bundle made' : 'workflow bundle reused',
  );
  return { ...env, WORKFLOW_BUNDLE: file };
}

async function main(env: WorkerEnv): Promise<void> {
  Runtime.install({
    logger: pinoForSdk(),
    ...(env.METRICS_PORT > 0 && {
      telemetryOptions: { metrics: { prometheus: { bindAddress: `${env.HOST}:${env.METRICS_PORT}` } } },
    }),
  });
  const connection = await NativeConnection.connect(env.temporal.connection);
  await registerSearchAttributes(connection, env.temporal.namespace);
  // The health server first: its registry (served at /metrics) records the orders' fulfilment time.
  // Its readiness reads the worker, made next and before the server listens.
  const health = createService({
    name: 'worker',
    prefix: '/worker',
    env,
    routes: [],
    ready: () => {
      if (worker.getState() !== 'RUNNING') throw new Error(`the worker is ${worker.getState()}`);
    },
  });
  const worker = await Worker.create(workerOptions(env, connection, health.metrics.registry));
  const { server } = await health.listen(env.PORT, env.HOST);
  // After the health server's own "worker listening" line: the worker polls from here on.
  logger.info(
    { taskQueue: env.TASK_QUEUE, temporal: env.temporal.connection.address, metricsPort: env.METRICS_PORT },
    'worker polling',
  );
  try {
    await worker.run(); // SIGINT/SIGTERM make the SDK drain and stop
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await connection.close();
  }
}

if (import.meta.main) await main(await withCachedBundle(loadWorkerEnv()));
