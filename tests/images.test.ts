/**
 * The images, built and run for real: every service's image (services/Dockerfile, `make images`) on
 * the private Docker engine of tools/images/ (no container network), each run as its non-root user
 * with a read-only root, a tmpfs /tmp and /data, and `--network host` on loopback ports, against a
 * Temporal dev server without our search attributes (the worker registers them). The happy and
 * compensation scenarios then pass through the API's container, and the worker drains on SIGTERM.
 *
 * The engine runs as root: on a machine without root or Debian's docker.io this file skips, loudly,
 * unless CI=true, where it fails (CI runs as root, and `make setup` installs the engine there).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, freePort, repoRoot, tempDir } from '@fake-stripe/kernel/testing';
import { TestWorkflowEnvironment } from '@temporalio/testing';

const DOCKER = '/usr/bin/docker';
const services = [
  'payment',
  'inventory',
  'shipping',
  'notification',
  'public-apis',
  'user-context',
  'worker',
  'api',
] as const;
type ServiceName = (typeof services)[number];
const TAG = 'it';
const tokens = { ADMIN_TOKEN: 'it-admin', MANAGER_TOKEN: 'it-manager', CUSTOMER_TOKEN_SECRET: 'it-secret' };

const cannotRun =
  process.getuid?.() !== 0
    ? 'it is not root'
    : spawnSync('/usr/sbin/dockerd', ['--version']).status !== 0
      ? "Debian's docker.io is not installed"
      : undefined;
if (cannotRun && process.env.CI !== 'true')
  console.warn(`\n  !!! SKIPPED tests/images.test.ts: ${cannotRun} (the image tests need root and docker.io) !!!\n`);
const suite = cannotRun && process.env.CI !== 'true' ? describe.skip : describe;

let dockerEnv: NodeJS.ProcessEnv;
let startedEngine = false;
const docker = (...args: string[]): string =>
  execFileSync(DOCKER, args, { env: dockerEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

let temporal: TestWorkflowEnvironment;
const tmp = tempDir('fake-stripe-images-');
const ports = {} as Record<ServiceName, number>;
const names = {} as Record<ServiceName, string>;
const url = (s: ServiceName, path = ''): string => `http://127.0.0.1:${ports[s]}${path}`;

/** Each container's environment: what the chart renders, with loopback URLs for the cluster's. */
function envOf(s: ServiceName): Record<string, string> {
  const domains = {
    PAYMENT_URL: url('payment'),
    INVENTORY_URL: url('inventory'),
    SHIPPING_URL: url('shipping'),
    NOTIFICATION_URL: url('notification'),
  };
  const publicApis = {
    LOCATION_API_URL: url('public-apis', '/ipapi'),
    WEATHER_API_URL: url('public-apis', '/open-meteo'),
    CATFACT_API_URL: url('public-apis', '/catfact'),
  };
  const common = { HOST: '127.0.0.1', PORT: String(ports[s]), LOG_LEVEL: 'info', AUTH: 'open', ...tokens };
  const chaos: Record<string, string> = ['payment', 'inventory', 'shipping', 'notification', 'public-apis'].includes(s)
    ? { CHAOS_FILE: `/chaos/${s}.json` }
    : {};
  const temporalEnv = { TEMPORAL_ADDRESS: temporal.address, TASK_QUEUE: 'order-fulfillment-images' };
  const own: Partial<Record<ServiceName, Record<string, string>>> = {
    worker: { ...temporalEnv, ...domains, ...publicApis, METRICS_PORT: '0', LABEL_EXPECTED_MS: '1000' },
    api: { ...temporalEnv, ...domains },
    'user-context': publicApis,
  };
  return { ...common, ...chaos, ...own[s] };
}

function run(s: ServiceName): void {
  const env = Object.entries(envOf(s)).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  docker(
    'run',
    '--detach',
    '--name',
    names[s],
    '--network',
    'host',
    '--read-only',
    '--tmpfs',
    '/tmp',
    '--tmpfs',
    '/data:uid=10001,gid=10001',
    '--volume',
    `${join(tmp.dir, 'chaos')}:/chaos:ro`,
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    ...env,
    `fake-stripe/${s}:${TAG}`,
  );
}

const logsOf = (s: ServiceName): string => {
  try {
    return execFileSync(DOCKER, ['logs', '--tail', '30', names[s]], { env: dockerEnv, encoding: 'utf8' });
  } catch {
    return '(no logs)';
  }
};

suite('the images, run as containers', () => {
  beforeAll(async () => {
    // The engine is stopped afterwards when this run started it (its layers stay on disk).
    startedEngine = spawnSync(join(repoRoot, 'tools/images/dockerd.sh'), ['status']).status !== 0;
    const host = execFileSync(join(repoRoot, 'tools/images/dockerd.sh'), ['start'], { encoding: 'utf8' }).trim();
    dockerEnv = { ...process.env, DOCKER_HOST: host };
    // Cached layers make a rebuild quick; a cold one (base image and eight builds) takes minutes.
    execFileSync(join(repoRoot, 'tools/images/build.sh'), [], {
      env: { ...dockerEnv, IMAGE_TAG: TAG },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    temporal = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: join(repoRoot, '.tools/bin/temporal') } },
    });
    mkdirSync(join(tmp.dir, 'chaos'));
    // Chaos off but a 1 s label, so the scenarios' fault plans decide and the happy path is quick.
    for (const s of ['payment', 'inventory', 'shipping', 'notification', 'public-apis'])
      writeFileSync(
        join(tmp.dir, 'chaos', `${s}.json`),
        JSON.stringify({
          profile: 'off',
          timeoutMs: 1000,
          ...(s === 'shipping' && { overrides: { createLabel: { latency: { baseMs: 1000, jitterMs: 0 } } } }),
        }),
      );
    for (const s of services) {
      ports[s] = await freePort();
      names[s] = `fake-stripe-it-${s}-${process.pid}`;
    }
    for (const s of services) run(s);
    for (const s of services)
      await eventually(async () => (await fetch(url(s, '/ready'))).status, `${s}'s container to answer /ready`, {
        until: (status) => status === 200,
        timeoutMs: 60_000,
        intervalMs: 250,
      }).catch((err: Error) => {
        throw new Error(`${err.message}\n${s}'s last log lines:\n${logsOf(s)}`);
      });
  }, 20 * 60_000);

  afterAll(async () => {
    for (const s of services) if (names[s]) spawnSync(DOCKER, ['rm', '--force', names[s]], { env: dockerEnv });
    await temporal?.teardown();
    tmp.remove();
    if (startedEngine) execFileSync(join(repoRoot, 'tools/images/dockerd.sh'), ['stop']);
  }, 120_000);

  it('runs each service as user 10001 with a read-only root', () => {
    for (const s of services) {
      const [user, readOnly] = docker(
        'inspect',
        '--format',
        '{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}',
        names[s],
      ).split(' ');
      expect({ s, user, readOnly }).toEqual({ s, user: '10001:10001', readOnly: 'true' });
    }
  });

  it("keeps the worker's native core and webpack out of every other image", () => {
    const has = (s: ServiceName, path: string): boolean =>
      spawnSync(
        DOCKER,
        ['run', '--rm', '--network', 'none', '--entrypoint', 'test', `fake-stripe/${s}:${TAG}`, '-e', path],
        {
          env: dockerEnv,
        },
      ).status === 0;
    expect(has('worker', '/app/node_modules/@temporalio/core-bridge')).toBe(true);
    for (const s of services.filter((n) => n !== 'worker')) {
      expect({ s, core: has(s, '/app/node_modules/@temporalio/core-bridge') }).toEqual({ s, core: false });
      expect({ s, webpack: has(s, '/app/node_modules/webpack') }).toEqual({ s, webpack: false });
    }
  }, 120_000);

  it.each(['happy', 'compensation'])(
    'passes scenario-%s through the containers',
    (scenario) => {
      const result = spawnSync(process.execPath, [join(repoRoot, 'tools/scenarios.ts'), scenario], {
        cwd: repoRoot,
        env: { ...process.env, API_URL: url('api'), TEMPORAL_ADDRESS: temporal.address, ...tokens, NO_COLOR: '1' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (result.status !== 0) console.error(result.stdout, result.stderr, logsOf('worker'), logsOf('api'));
      expect(result.status).toBe(0);
      expect(result.stdout).toContain(`${scenario} passed`);
    },
    150_000,
  );

  it('drains the worker on SIGTERM: exit code 0', () => {
    docker('stop', '--time', '30', names.worker);
    expect(docker('inspect', '--format', '{{.State.ExitCode}}', names.worker)).toBe('0');
    // The SDK's own state changes, through the worker's logger: it stopped polling, then drained.
    expect(docker('logs', names.worker)).toContain('"state":"DRAINED"');
  }, 60_000);
});
