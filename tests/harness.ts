/**
 * The real platform for cross-service tests: a Temporal CLI dev server (the project's binary, search
 * attributes registered), the four domain services on ephemeral ports with SQLite files in a temp
 * dir, and a worker running the real workflows and activities against them.
 */
import { join } from 'node:path';
import { createDomainClient, orderInputFrom, orderRequestSchema } from '@fake-stripe/kernel';
import type { OrderInput } from '@fake-stripe/kernel';
import { repoRoot, sampleOrderRequest, startInProcess, tempDir } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { createInventoryService, envSchema as inventoryEnv } from '@fake-stripe/inventory';
import { createNotificationService } from '@fake-stripe/notification';
import { createPaymentService } from '@fake-stripe/payment';
import { createShippingService } from '@fake-stripe/shipping';
import { CustomerIdKey, OrderIdKey, OrderStatusKey, TotalAmountKey, TASK_QUEUE } from '@fake-stripe/worker/definitions';
import { createActivities, createUserContextActivities, workflowsPath } from '@fake-stripe/worker';
import { createPublicApisService, envSchema as publicApisEnv } from '@fake-stripe/public-apis';
import { createPublicApisClient } from '@fake-stripe/public-apis/client';
import { createApiService, envSchema as apiEnv } from '@fake-stripe/api';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { writeFileSync } from 'node:fs';

export interface Platform {
  env: TestWorkflowEnvironment;
  /** What a worker or the API needs to reach this platform, as environment variables. */
  clientEnv: Record<string, string>;
  urls: { payment: string; inventory: string; shipping: string; notification: string; publicApis: string };
  services: Running[];
  dataDir: string;
  bundle: WorkflowBundleWithSourceMap;
  taskQueue: string;
  newWorker(options?: { labelExpectedMs?: number }): Promise<Worker>;
  /** A worker running until `stop()`. */
  startWorker(): Promise<Worker>;
  /** The API in-process against this platform (closed by `stop()`); `env` adds to its environment. */
  startApi(env?: Record<string, string>): Promise<Running>;
  /** Stops the workers and APIs started here, the services and the dev server. */
  stop(): Promise<void>;
}

/** Chaos for saga tests: profile off (faults come from per-order plans), small timeouts and label time. */
export const testChaos = (labelMs?: number, seed?: string) => ({
  // With a seed: the services' default profiles, reproducible; without: chaos off.
  profile: seed ? 'default' : 'off',
  ...(seed && { seed }),
  timeoutMs: 300,
  ...(labelMs !== undefined && { overrides: { createLabel: { latency: { baseMs: labelMs, jitterMs: 0 } } } }),
});

export async function startPlatform(
  options: { labelMs?: number; seed?: string; publicApis?: boolean } = {},
): Promise<Platform> {
  Runtime.install({ logger: new DefaultLogger((process.env.TEMPORAL_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN') });
  const labelMs = options.labelMs ?? 300;
  const data = tempDir('fake-stripe-saga-');
  const chaos = (name: string, config: object): Record<string, string> => {
    const file = join(data.dir, `${name}.chaos.json`);
    writeFileSync(file, JSON.stringify(config));
    return { DATA_DIR: data.dir, CHAOS_FILE: file };
  };
  const [env, payment, inventory, shipping, notification, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: join(repoRoot, '.tools/bin/temporal') },
        searchAttributes: [OrderIdKey, CustomerIdKey, OrderStatusKey, TotalAmountKey],
      },
    }),
    startInProcess(createPaymentService, chaos('payment', testChaos(undefined, options.seed))),
    startInProcess(
      createInventoryService,
      { ...chaos('inventory', testChaos(undefined, options.seed)), SEED_STOCK: '100000' },
      inventoryEnv,
    ),
    startInProcess(createShippingService, chaos('shipping', testChaos(labelMs, options.seed))),
    startInProcess(createNotificationService, chaos('notification', testChaos(undefined, options.seed))),
    bundleWorkflowCode({
      workflowsPath,
      logger: {
        log: () => undefined,
        trace: () => undefined,
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
    }),
  ]);
  // The public-apis stand-in, for userContextWorkflow's activities (chaos off).
  const publicApis = options.publicApis
    ? await startInProcess(createPublicApisService, chaos('public-apis', testChaos()), publicApisEnv)
    : undefined;
  const urls = {
    payment: payment.url,
    inventory: inventory.url,
    shipping: shipping.url,
    notification: notification.url,
    publicApis: publicApis?.url ?? 'http://127.0.0.1:9',
  };
  const services = [payment, inventory, shipping, notification, ...(publicApis ? [publicApis] : [])];
  const taskQueue = `${TASK_QUEUE}-test`;
  const clientEnv = {
    TEMPORAL_ADDRESS: env.address,
    TASK_QUEUE: taskQueue,
    PAYMENT_URL: urls.payment,
    INVENTORY_URL: urls.inventory,
    SHIPPING_URL: urls.shipping,
    NOTIFICATION_URL: urls.notification,
  };
  const newWorker = ({ labelExpectedMs = labelMs }: { labelExpectedMs?: number } = {}): Promise<Worker> =>
    Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      maxHeartbeatThrottleInterval: '100 milliseconds',
      activities: {
        ...createActivities({
          payment: createDomainClient(urls.payment, 2_000),
          inventory: createDomainClient(urls.inventory, 2_000),
          shipping: createDomainClient(urls.shipping, 2_000),
          notification: createDomainClient(urls.notification, 2_000),
          labelExpectedMs,
          labelTimeoutMs: labelMs + 5_000,
          heartbeatIntervalMs: 100,
        }),
        ...createUserContextActivities(
          createPublicApisClient({
            location: { url: `${urls.publicApis}/ipapi`, timeoutMs: 2_000 },
            weather: { url: `${urls.publicApis}/open-meteo`, timeoutMs: 2_000 },
            catFact: { url: `${urls.publicApis}/catfact`, timeoutMs: 2_000 },
          }),
        ),
      },
    });
  const workers: Worker[] = [];
  const running: Array<Promise<void>> = [];
  const apis: Running[] = [];
  return {
    env,
    clientEnv,
    urls,
    services,
    dataDir: data.dir,
    bundle,
    taskQueue,
    newWorker,
    async startWorker() {
      const worker = await newWorker();
      running.push(worker.run());
      workers.push(worker);
      return worker;
    },
    async startApi(extra = {}) {
      const api = await startInProcess(createApiService, { ...clientEnv, ...extra }, apiEnv);
      apis.push(api);
      return api;
    },
    async stop() {
      await Promise.all(apis.map((a) => a.close()));
      for (const w of workers) w.shutdown();
      await Promise.all(running);
      await Promise.all(services.map((s) => s.close()));
      await env.teardown();
      data.remove();
    },
  };
}

/** An order workflow input (minor units) from the sample order body; override what a test is about. */
export function orderInput(overrides: Partial<OrderInput> = {}): OrderInput {
  return { ...orderInputFrom(orderRequestSchema.parse(sampleOrderRequest())), ...overrides };
}
