/**
 * The images, built and run for real: every service's image (services/Dockerfile, `make images`) on
 * the private Docker engine of tools/images/ (no container network), each run as its non-root user
 * with a read-only root, a tmpfs /tmp and /data, the environment the chart renders (service URLs
 * pointed at loopback), and `--network host` on loopback ports, against a
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
import { parseAllDocuments } from 'yaml';

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

type Manifest = {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: { template: { spec: { containers: Array<{ env?: Array<{ name: string; valueFrom?: unknown }> }> } } };
};

/**
 * Each container's environment as the chart renders it (`helm template`, AUTH=open as the scenarios
 * need, chaos forcing on as in ci/scenarios-values.yaml): the env ConfigMap plus the tokens its pod
 * takes from the Secret. Only what names the cluster changes: every in-cluster service URL becomes
 * its container's loopback port, HOST is 127.0.0.1, Temporal is the dev server, metrics ports are
 * off and there is no OTLP collector to send to.
 */
function renderedEnv(): Record<ServiceName, Record<string, string>> {
  const rendered = execFileSync(
    join(repoRoot, '.tools/bin/helm'),
    [
      'template',
      'r',
      join(repoRoot, 'charts/fake-stripe'),
      '-f',
      join(repoRoot, 'charts/fake-stripe/ci/scenarios-values.yaml'),
      '--set',
      'auth.mode=open',
    ],
    { encoding: 'utf8' },
  );
  const docs = parseAllDocuments(rendered).map((d) => d.toJS() as Manifest | null);
  const secretValue: Record<string, string> = {
    ADMIN_TOKEN: tokens.ADMIN_TOKEN,
    MANAGER_TOKEN: tokens.MANAGER_TOKEN,
    CUSTOMER_TOKEN_SECRET: tokens.CUSTOMER_TOKEN_SECRET,
    SERVICE_TOKEN: 'it-service',
  };
  const inCluster = /^http:\/\/r-fake-stripe-([a-z-]+):\d+/;
  const out = {} as Record<ServiceName, Record<string, string>>;
  for (const s of services) {
    const of = (kind: string) =>
      docs.find(
        (d) =>
          d?.kind === kind &&
          d.metadata.labels?.['app.kubernetes.io/component'] === s &&
          (kind !== 'ConfigMap' || d.metadata.name.endsWith('-env')),
      );
    const config = of('ConfigMap')?.data;
    const workload = of('Deployment') ?? of('StatefulSet');
    if (!config || !workload?.spec) throw new Error(`the chart rendered no env ConfigMap or workload for ${s}`);
    const env: Record<string, string> = { ...config };
    for (const e of workload.spec.template.spec.containers[0]?.env ?? [])
      if (e.valueFrom) env[e.name] = secretValue[e.name] ?? `missing secret value for ${e.name}`;
    for (const [k, v] of Object.entries(env)) {
      const target = inCluster.exec(v)?.[1];
      if (target) env[k] = v.replace(inCluster, `http://127.0.0.1:${ports[target as ServiceName]}`);
    }
    delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
    Object.assign(env, { HOST: '127.0.0.1', PORT: String(ports[s]) });
    if ('TEMPORAL_ADDRESS' in env) env.TEMPORAL_ADDRESS = temporal.address;
    if ('METRICS_PORT' in env) env.METRICS_PORT = '0';
    out[s] = env;
  }
  return out;
}

function run(s: ServiceName, rendered: Record<string, string>): void {
  const env = Object.entries(rendered).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
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
    // Where the chart mounts each chaos ConfigMap (its CHAOS_FILE's directory).
    `${join(tmp.dir, 'chaos', s)}:/etc/fake-stripe/chaos:ro`,
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
    // Chaos off but a 1 s label, so the scenarios' fault plans decide and the happy path is quick.
    for (const s of services) {
      mkdirSync(join(tmp.dir, 'chaos', s), { recursive: true });
      writeFileSync(
        join(tmp.dir, 'chaos', s, 'chaos.json'),
        JSON.stringify({
          profile: 'off',
          timeoutMs: 1000,
          ...(s === 'shipping' && { overrides: { createLabel: { latency: { baseMs: 1000, jitterMs: 0 } } } }),
        }),
      );
    }
    for (const s of services) {
      ports[s] = await freePort();
      names[s] = `fake-stripe-it-${s}-${process.pid}`;
    }
    const rendered = renderedEnv();
    for (const s of services) run(s, rendered[s]);
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

  it('starts each service with every TypeScript file from the compile cache made at build', () => {
    for (const s of services) {
      const started = spawnSync(
        DOCKER,
        [
          ...['run', '--rm', '--network', 'none', '--read-only', '-e', 'NODE_DEBUG_NATIVE=COMPILE_CACHE'],
          ...['--entrypoint', 'node', `fake-stripe/${s}:${TAG}`],
          // The module graph the service's CMD loads, without starting it.
          ...[
            '--import',
            '@fake-stripe/kernel/telemetry',
            '--input-type=module',
            '-e',
            "await import('./src/main.ts')",
          ],
        ],
        { env: dockerEnv, encoding: 'utf8' },
      );
      expect({ s, status: started.status }).toEqual({ s, status: 0 });
      const reads = [
        ...started.stderr.matchAll(/retrieving transpile cache for StrippedTypeScript (\S+?)\.\.\.(\w+)/g),
      ];
      expect(reads.length).toBeGreaterThan(10);
      const missed = reads.filter(([, , result]) => result !== 'success').map(([, file]) => file);
      expect({ s, missed }).toEqual({ s, missed: [] });
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
