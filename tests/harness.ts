/**
 * The real platform for cross-service tests: a Temporal CLI dev server (the project's binary, search
 * attributes registered), the four domain services on ephemeral ports with SQLite files in a temp
 * dir, and a worker running the real workflows and activities against them.
 */
import { join } from 'node:path';
import {
  LOCAL_STRIPE_SECRET_KEY,
  createDomainClient,
  customerToken,
  orderInputFrom,
  orderRequestSchema,
  temporalDevServerFlags,
} from '@fake-stripe/kernel';
import type { OrderInput } from '@fake-stripe/kernel';
import {
  eventually,
  freePort,
  postJson,
  repoRoot,
  sampleOrderRequest,
  spawnService,
  startInProcess,
  tempDir,
} from '@fake-stripe/kernel/testing';
import type { Running, Spawned } from '@fake-stripe/kernel/testing';
import { createInventoryService, envSchema as inventoryEnv } from '@fake-stripe/inventory';
import { createNotificationService } from '@fake-stripe/notification';
import { createPaymentService, envSchema as paymentEnv } from '@fake-stripe/payment';
import { createShippingService } from '@fake-stripe/shipping';
import {
  CustomerIdKey,
  ORDER_WORKFLOW,
  OrderIdKey,
  OrderStatusKey,
  orderWorkflowId,
  statusQuery,
  SubscriptionStatusKey,
  TotalAmountKey,
  TASK_QUEUE,
} from '@fake-stripe/kernel/workflow-definitions';
import type { orderFulfillmentWorkflow } from '@fake-stripe/worker/workflows';
import {
  activityInterceptors,
  createActivities,
  createStripeClient,
  createUserContextActivities,
  workerSinks,
  bundleWorkflows,
} from '@fake-stripe/worker';
import { createPublicApisService, envSchema as publicApisEnv } from '@fake-stripe/public-apis';
import { createPublicApisClient } from '@fake-stripe/public-apis/client';
import { createApiService, envSchema as apiEnv } from '@fake-stripe/api';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export type Domain = 'payment' | 'inventory' | 'shipping' | 'notification';

/** A real worker process (`services/worker/src/main.ts`). */
export interface WorkerProcess {
  child: ChildProcess;
  /** Every stdout line so far (pino JSON). */
  lines: string[];
  /** SIGKILL by default: a crash, not a drain. Resolves once it exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface Platform {
  env: TestWorkflowEnvironment;
  /** What a worker or the API needs to reach this platform, as environment variables. */
  clientEnv: Record<string, string>;
  urls: { payment: string; inventory: string; shipping: string; notification: string; publicApis: string };
  services: Running[];
  dataDir: string;
  bundle: WorkflowBundleWithSourceMap;
  taskQueue: string;
  /** `bundle`: other workflow code than the platform's (e.g. a patch variant); `activities`: more activities. */
  newWorker(options?: {
    labelExpectedMs?: number;
    bundle?: WorkflowBundleWithSourceMap;
    activities?: Record<string, (...args: never[]) => Promise<unknown>>;
  }): Promise<Worker>;
  /** A worker running until `stop()`. */
  startWorker(): Promise<Worker>;
  /** The API in-process against this platform (closed by `stop()`); `env` adds to its environment. */
  startApi(env?: Record<string, string>): Promise<Running>;
  /**
   * The real worker process against this platform (stopped by `stop()` if still running). It runs
   * the platform's workflow bundle (WORKFLOW_BUNDLE, as the image's worker does), so a restart does
   * not bundle again; `WORKFLOW_BUNDLE: ''` makes it bundle at start (with WORKFLOW_BUNDLE_CACHE, as
   * `make up`'s does: once per content of its code).
   */
  spawnWorker(env?: Record<string, string>): Promise<WorkerProcess>;
  /** The API as a real process (telemetry preload) against this platform (stopped by `stop()`). */
  spawnApi(env?: Record<string, string>): Promise<Spawned>;
  /**
   * With `processes`: SIGKILLs the domain service, waits `downMs`, and starts it again on the same
   * port, data directory and chaos file, as a crash and restart of the service.
   */
  restartService(name: Domain, downMs?: number): Promise<void>;
  /** Replaces every domain service's live chaos (PUT /{domain}/chaos): the seed's profile, or off. */
  setChaos(seed?: string): Promise<void>;
  /** Stops the workers and APIs started here, the services and the dev server. */
  stop(): Promise<void>;
}

/** The API's manager token and customer-token secret in tests, and the bearer headers they make. */
export const testTokens = { MANAGER_TOKEN: 'test-manager-token', CUSTOMER_TOKEN_SECRET: 'test-customer-secret' };
export const asManager = { authorization: `Bearer ${testTokens.MANAGER_TOKEN}` };
export const asCustomer = (customerId: string) => ({
  authorization: `Bearer ${customerToken(testTokens.CUSTOMER_TOKEN_SECRET, customerId)}`,
});

/** How long a spawned service may take to listen: the processes start together, on a loaded machine. */
const SPAWN_TIMEOUT_MS = 60_000;

/** Chaos for saga tests: profile off (faults come from per-order plans), small timeouts and label time. */
export const testChaos = (labelMs?: number, seed?: string) => ({
  // With a seed: the services' default profiles, reproducible; without: chaos off.
  profile: seed ? 'default' : 'off',
  ...(seed && { seed }),
  timeoutMs: 300,
  ...(labelMs !== undefined && { overrides: { createLabel: { latency: { baseMs: labelMs, jitterMs: 0 } } } }),
});

type PlatformOptions = {
  labelMs?: number;
  seed?: string;
  publicApis?: boolean;
  serviceToken?: string;
  processes?: boolean;
  /** Added to the environment of every process started here (domains, worker, API), e.g. OTEL_*. */
  env?: Record<string, string>;
};

/**
 * `serviceToken` runs the platform under AUTH=strict: the domain services answer their writes and
 * ledgers only to it, and the worker and the API send it.
 */
export async function startPlatform(options: PlatformOptions = {}): Promise<Platform> {
  Runtime.install({ logger: new DefaultLogger((process.env.TEMPORAL_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN') });
  const labelMs = options.labelMs ?? 300;
  const data = tempDir('fake-stripe-saga-');
  const auth: Record<string, string> = options.serviceToken
    ? { AUTH: 'strict', SERVICE_TOKEN: options.serviceToken }
    : {};
  const domains = domainServices({ ...options, labelMs }, data.dir, auth);
  const [env, payment, inventory, shipping, notification, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: join(repoRoot, '.tools/bin/temporal') },
        searchAttributes: [OrderIdKey, CustomerIdKey, OrderStatusKey, TotalAmountKey, SubscriptionStatusKey],
        // As `make up` runs it (its database is in memory: no file pragmas): the attributes above are
        // there from the start.
        extraArgs: temporalDevServerFlags({ pragmas: [] }),
      },
    }),
    domains.start('payment'),
    domains.start('inventory'),
    domains.start('shipping'),
    domains.start('notification'),
    bundleWorkflows(),
  ]);
  // The public-apis stand-in, for userContextWorkflow's activities (chaos off).
  const publicApis = options.publicApis
    ? await startInProcess(createPublicApisService, chaosEnv(data.dir, auth, 'public-apis', testChaos()), publicApisEnv)
    : undefined;
  const urls = {
    payment: payment.url,
    inventory: inventory.url,
    shipping: shipping.url,
    notification: notification.url,
    publicApis: publicApis?.url ?? 'http://127.0.0.1:9',
  };
  const services = [
    ...[payment, inventory, shipping, notification].flatMap((d) => (d.running ? [d.running] : [])),
    ...(publicApis ? [publicApis] : []),
  ];
  const taskQueue = `${TASK_QUEUE}-test`;
  const clientEnv = {
    TEMPORAL_ADDRESS: env.address,
    TASK_QUEUE: taskQueue,
    PAYMENT_URL: urls.payment,
    INVENTORY_URL: urls.inventory,
    SHIPPING_URL: urls.shipping,
    NOTIFICATION_URL: urls.notification,
    ...auth,
  };
  const newWorker: Platform['newWorker'] = ({ labelExpectedMs = labelMs, bundle: code = bundle, activities } = {}) =>
    testWorker({
      env,
      taskQueue,
      bundle: code,
      urls,
      serviceToken: options.serviceToken,
      labelMs,
      labelExpectedMs,
      activities,
    });
  const workers: Worker[] = [];
  const running: Array<Promise<void>> = [];
  const apis: Running[] = [];
  const workerProcesses = new Set<WorkerProcess>();
  const apiProcesses: Spawned[] = [];
  const bundleFile = join(data.dir, 'workflow-bundle.js');
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
    spawnWorker: async (extra = {}) => {
      if (!existsSync(bundleFile)) writeFileSync(bundleFile, bundle.code);
      const w = await spawnWorkerProcess({
        ...options.env,
        ...clientEnv,
        LABEL_EXPECTED_MS: String(labelMs),
        WORKFLOW_BUNDLE: bundleFile,
        ...extra,
      });
      workerProcesses.add(w);
      w.child.once('exit', () => workerProcesses.delete(w));
      return w;
    },
    async spawnApi(extra = {}) {
      const api = await spawnService('api', { ...options.env, ...clientEnv, ...extra }, SPAWN_TIMEOUT_MS);
      apiProcesses.push(api);
      return api;
    },
    async setChaos(seed) {
      domains.setSeed(seed); // a restarted service reads its chaos file: write the new one
      for (const name of ['payment', 'inventory', 'shipping', 'notification'] as const)
        await putChaos(urls[name], name, testChaos(name === 'shipping' ? labelMs : undefined, seed));
    },
    restartService: (name, downMs) => domains.restart(name, downMs),
    async stop() {
      await Promise.all(apis.map((a) => a.close()));
      await Promise.all(apiProcesses.map((a) => a.kill()));
      await Promise.all([...workerProcesses].map((w) => w.kill()));
      for (const w of workers) w.shutdown();
      await Promise.all(running);
      await Promise.all(services.map((s) => s.close()));
      await domains.killProcesses();
      await env.teardown();
      data.remove();
    },
  };
}

/** Replaces a domain service's live chaos config (PUT /{domain}/chaos with the test admin token). */
export async function putChaos(url: string, name: Domain, config: object): Promise<void> {
  const res = await fetch(`${url}/${name}/chaos`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-admin-token' },
    body: JSON.stringify(config),
  });
  if (!res.ok) throw new Error(`PUT /${name}/chaos: ${res.status} ${await res.text()}`);
}

/** A service's environment with its chaos file (written now) and data directory. */
function chaosEnv(dir: string, auth: Record<string, string>, name: string, config: object): Record<string, string> {
  const file = join(dir, `${name}.chaos.json`);
  writeFileSync(file, JSON.stringify(config));
  return { DATA_DIR: dir, CHAOS_FILE: file, ...auth };
}

/**
 * The four domain services: in-process, or with `processes` each a real process on a port chosen
 * here, so it can be killed and started again where the worker and the API keep calling it.
 */
function domainServices(options: PlatformOptions & { labelMs: number }, dir: string, auth: Record<string, string>) {
  let seed = options.seed;
  const serviceEnv = (name: Domain): Record<string, string> => ({
    ...chaosEnv(dir, auth, name, testChaos(name === 'shipping' ? options.labelMs : undefined, seed)),
    ...(name === 'inventory' && { SEED_STOCK: '100000' }),
  });
  const creators = {
    payment: (o: Record<string, string>) => startInProcess(createPaymentService, o, paymentEnv),
    inventory: (o: Record<string, string>) => startInProcess(createInventoryService, o, inventoryEnv),
    shipping: (o: Record<string, string>) => startInProcess(createShippingService, o),
    notification: (o: Record<string, string>) => startInProcess(createNotificationService, o),
  };
  const ports = new Map<Domain, number>();
  const spawned = new Map<Domain, Spawned>();
  const spawnDomain = async (name: Domain): Promise<Spawned> => {
    const child = await spawnService(
      name,
      {
        ...options.env,
        ...serviceEnv(name),
        PORT: String(ports.get(name)),
        ADMIN_TOKEN: 'test-admin-token',
        LOG_LEVEL: 'info',
      },
      SPAWN_TIMEOUT_MS,
    );
    spawned.set(name, child);
    return child;
  };
  return {
    async start(name: Domain): Promise<{ url: string; running?: Running }> {
      if (!options.processes) {
        const running = await creators[name](serviceEnv(name));
        return { url: running.url, running };
      }
      ports.set(name, await freePort());
      return { url: (await spawnDomain(name)).url };
    },
    /** The chaos seed a service started from now on gets in its chaos file. */
    setSeed(next: string | undefined): void {
      seed = next;
    },
    async restart(name: Domain, downMs = 0): Promise<void> {
      const child = spawned.get(name);
      if (!child) throw new Error(`${name} is not a process of this platform (startPlatform({ processes: true }))`);
      await child.kill('SIGKILL');
      if (downMs) await new Promise((r) => setTimeout(r, downMs));
      await spawnDomain(name);
    },
    killProcesses: () => Promise.all([...spawned.values()].map((s) => s.kill('SIGKILL'))).then(() => undefined),
  };
}

/** An in-process worker running the real workflows and activities against this platform's services. */
function testWorker(o: {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  bundle: WorkflowBundleWithSourceMap;
  urls: Platform['urls'];
  serviceToken: string | undefined;
  labelMs: number;
  labelExpectedMs: number;
  activities: Record<string, (...args: never[]) => Promise<unknown>> | undefined;
}): Promise<Worker> {
  const domain = (url: string) => createDomainClient(url, 2_000, o.serviceToken);
  return Worker.create({
    connection: o.env.nativeConnection,
    taskQueue: o.taskQueue,
    workflowBundle: o.bundle,
    interceptors: { activity: activityInterceptors },
    sinks: workerSinks(),
    maxHeartbeatThrottleInterval: '100 milliseconds',
    activities: {
      ...createActivities({
        payment: domain(o.urls.payment),
        stripe: createStripeClient(o.urls.payment, LOCAL_STRIPE_SECRET_KEY, 2_000),
        inventory: domain(o.urls.inventory),
        shipping: domain(o.urls.shipping),
        notification: domain(o.urls.notification),
        labelExpectedMs: o.labelExpectedMs,
        labelTimeoutMs: o.labelMs + 5_000,
        heartbeatIntervalMs: 100,
      }),
      ...createUserContextActivities(
        createPublicApisClient({
          location: { url: `${o.urls.publicApis}/ipapi`, timeoutMs: 2_000 },
          weather: { url: `${o.urls.publicApis}/open-meteo`, timeoutMs: 2_000 },
          catFact: { url: `${o.urls.publicApis}/catfact`, timeoutMs: 2_000 },
        }),
      ),
      ...o.activities,
    },
  });
}

/**
 * With RECORD_HISTORIES=1, saves a finished workflow's history as a replay fixture
 * (services/worker/test/histories/), which the replay test runs against the current workflow code.
 */
export async function recordHistory(p: Platform, workflowId: string, name: string, runId?: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await p.env.client.workflow.getHandle(workflowId, runId).fetchHistory();
  const dir = join(repoRoot, 'services/worker/test/histories');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), historyToJSON(history));
}

/**
 * Starts an order that parks in compensation_stuck (no address, then its refund fails through a 3 s
 * compensation window, which the API does not take: started with the Temporal client), and
 * resolves with its handle once it is there.
 */
export async function startStuckOrder(p: Platform) {
  const input = orderInput({
    compensationWindowMs: 3_000,
    faults: {
      createShippingLabel: ['address_error'],
      refundPayment: Array.from({ length: 20 }, () => 'server_error'),
    },
  });
  const handle = await p.env.client.workflow.start<typeof orderFulfillmentWorkflow>(ORDER_WORKFLOW, {
    args: [input],
    taskQueue: p.taskQueue,
    workflowId: orderWorkflowId(input.orderId),
  });
  await eventually(() => handle.query(statusQuery), `${handle.workflowId} parked in compensation_stuck`, {
    until: (s) => s.status === 'compensation_stuck',
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  return handle;
}

/** The operator's resolve of a stuck order, through the API's operator Update; fails unless accepted (200). */
export async function resolveThroughApi(apiUrl: string, workflowId: string, managerToken: string): Promise<void> {
  const res = await postJson(
    `${apiUrl}/api/v1/order/${workflowId}/operator`,
    { action: 'resolve', note: 'refunded by hand' },
    { authorization: `Bearer ${managerToken}` },
  );
  if (res.status !== 200)
    throw new Error(`operator resolve of ${workflowId}: ${res.status} ${JSON.stringify(res.body)}`);
}

/** One activity of a workflow as its history records it (Temporal writes only the last attempt's events). */
export interface ActivityRun {
  type: string;
  activityId: string;
  /** The attempt that ended it (ActivityTaskStarted's attempt number). */
  attempt: number;
  /** The failure of the attempt before it, when it was retried (ActivityTaskStarted's lastFailure). */
  lastFailure: string | undefined;
  /** How it ended: completed, or failed with its failure (after the last attempt, or not retryable). */
  failure: { message: string; type: string; nonRetryable: boolean } | undefined;
  completed: boolean;
  /** Scheduled to closed, in milliseconds (every attempt and the backoff between them). */
  durationMs: number;
}

/** The activities a workflow ran, in the order they were scheduled, from its history. */
export async function activityRuns(p: Platform, workflowId: string): Promise<ActivityRun[]> {
  const history = await p.env.client.workflow.getHandle(workflowId).fetchHistory();
  const runs = new Map<string, ActivityRun & { scheduledAt: number }>(); // by scheduled event id
  const ms = (e: { eventTime?: { seconds?: unknown; nanos?: number | null } | null }): number =>
    Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;
  for (const e of history.events ?? []) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled)
      runs.set(String(e.eventId), {
        type: scheduled.activityType?.name ?? '?',
        activityId: scheduled.activityId ?? '?',
        attempt: 0,
        lastFailure: undefined,
        failure: undefined,
        completed: false,
        durationMs: 0,
        scheduledAt: ms(e),
      });
    const started = e.activityTaskStartedEventAttributes;
    const run = runs.get(String(started?.scheduledEventId));
    if (started && run) {
      run.attempt = started.attempt ?? 1;
      run.lastFailure = started.lastFailure?.message ?? undefined;
    }
    const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
    const done = runs.get(String(closed?.scheduledEventId));
    if (done) {
      done.durationMs = ms(e) - done.scheduledAt;
      done.completed = Boolean(e.activityTaskCompletedEventAttributes);
      const failure = e.activityTaskFailedEventAttributes?.failure;
      if (failure)
        done.failure = {
          message: failure.message ?? '',
          type: failure.applicationFailureInfo?.type ?? '',
          nonRetryable: failure.applicationFailureInfo?.nonRetryable ?? false,
        };
    }
  }
  return [...runs.values()].map(({ scheduledAt: _, ...run }) => run);
}

/** An order workflow input (minor units) from the sample order body; override what a test is about. */
export function orderInput(overrides: Partial<OrderInput> = {}): OrderInput {
  return { ...orderInputFrom(orderRequestSchema.parse(sampleOrderRequest())), ...overrides };
}

/**
 * Starts the real worker process with the telemetry preload and resolves once it polls (its
 * "worker polling" line). Short client timeouts as in the in-process workers; metrics off unless
 * `env` gives METRICS_PORT.
 */
export function spawnWorkerProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', join(repoRoot, 'services/kernel/src/telemetry.ts'), join(repoRoot, 'services/worker/src/main.ts')],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        LOG_LEVEL: 'info',
        HTTP_TIMEOUT_MS: '2000',
        LABEL_TIMEOUT_MS: String(Number(env.LABEL_EXPECTED_MS ?? 300) + 5_000),
        METRICS_PORT: '0',
        PORT: '0', // its health endpoints, on a port of its own
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('worker did not start'));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before listening`));
    });
    // Read (and keep) every line, so a chatty worker never blocks on a full pipe.
    const lines: string[] = [];
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.includes('"worker polling"')) {
        clearTimeout(timer);
        resolve({ child, lines, kill });
      }
    });
  });
}

/** Runs `node tools/scenarios.ts <name>` against this platform's processes; its exit code and output. */
export function runScenario(
  name: string,
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(repoRoot, 'tools/scenarios.ts'), name], {
    cwd: repoRoot,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}
