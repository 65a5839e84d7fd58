/**
 * The worker of the orders benchmark's baseline: `node tools/bench/baseline-worker.ts`, with
 * Temporal from the environment (envconfig, as the worker) and TASK_QUEUE. The SDK's default options (as the order
 * worker uses them), its logs at WARN on stderr, no metrics endpoint. SIGINT/SIGTERM drain and stop.
 */
import { fileURLToPath } from 'node:url';
import { loadTemporalConfig } from '@fake-stripe/kernel/temporal-config';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createBaselineActivities } from './baseline-activities.ts';

const temporal = loadTemporalConfig();
const taskQueue = process.env.TASK_QUEUE?.trim() || 'bench-baseline';

Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect(temporal.connection);
const worker = await Worker.create({
  connection,
  namespace: temporal.namespace,
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./baseline-workflow.ts', import.meta.url)),
  activities: createBaselineActivities(),
});
console.log(JSON.stringify({ msg: 'baseline worker listening', taskQueue, temporal: temporal.connection.address }));
await worker.run();
await connection.close();
