/**
 * The worker of the orders benchmark's baseline: `node tools/bench/baseline-worker.ts`, with
 * TEMPORAL_ADDRESS and TASK_QUEUE from the environment. The SDK's default options (as the order
 * worker uses them), its logs at WARN on stderr, no metrics endpoint. SIGINT/SIGTERM drain and stop.
 */
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createBaselineActivities } from './baseline-activities.ts';

const address = process.env.TEMPORAL_ADDRESS?.trim() || '127.0.0.1:7233';
const taskQueue = process.env.TASK_QUEUE?.trim() || 'bench-baseline';

Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  namespace: 'default',
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./baseline-workflow.ts', import.meta.url)),
  activities: createBaselineActivities(),
});
console.log(JSON.stringify({ msg: 'baseline worker listening', taskQueue, temporal: address }));
await worker.run();
await connection.close();
