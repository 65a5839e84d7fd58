/**
 * `make soak N=5000` (`node tools/soak.ts --count N`): N orders under the services' seeded default
 * chaos, through the API of a platform this process starts on ephemeral ports of 127.0.0.1
 * (tests/harness.ts: a Temporal dev server, the domain services, a worker, the API), then the chaos
 * batch's scorecard (tools/scenarios/chaos.ts): a progress bar, outcomes, retries per activity,
 * p50/p95, the rate, stuck orders and the audit. Exits 1 on any audit violation or an order that is
 * not terminal. Not part of `make test`: it runs as long as N asks.
 *
 * Env: SOAK_SEED (chaos seed, soak-1), SOAK_LABEL_MS (label time, 1000), SOAK_WAIT_S (how long to wait
 * for the orders, 600 + N / 5), SOAK_LOG_LEVEL (the services' pino level, error).
 */
import { parseArgs } from 'node:util';

const env = (name: string, fallback: string): string => process.env[name]?.trim() || fallback;
const { values } = parseArgs({ options: { count: { type: 'string', default: '300' } } });
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1) {
  console.error(`--count must be a whole number of orders, got ${values.count}`);
  process.exit(2);
}
// Before the services load: their loggers read LOG_LEVEL once, and the harness TEMPORAL_LOG_LEVEL.
process.env.LOG_LEVEL = env('SOAK_LOG_LEVEL', 'error');
process.env.TEMPORAL_LOG_LEVEL ??= 'ERROR';

const { startPlatform } = await import('../tests/harness.ts');
const p = await startPlatform({ labelMs: Number(env('SOAK_LABEL_MS', '1000')), seed: env('SOAK_SEED', 'soak-1') });
let code: number;
try {
  await p.startWorker();
  const api = await p.startApi();
  // The scenarios' API client and the scorecard's history reader read these when they load.
  process.env.API_URL = api.url;
  process.env.TEMPORAL_ADDRESS = p.env.address;
  const { runChaos } = await import('./scenarios/chaos.ts');
  code = await runChaos({ count, waitSeconds: Number(env('SOAK_WAIT_S', String(600 + Math.ceil(count / 5)))) });
} catch (err) {
  // Said before the platform stops: calls still in flight may fail loudly once it is gone.
  console.error(`soak failed: ${(err as Error).message}`);
  code = 2;
} finally {
  await p.stop();
}
process.exit(code);
