/**
 * The chaos ConfigMap source against the real API server of the harness (tests/k8s/control-plane.ts).
 * The chart's own objects for payment (its ServiceAccount, chaos ConfigMap, Role and RoleBinding, from
 * `helm template`) are created in a namespace, and payment processes watch that ConfigMap with the
 * ServiceAccount's token (TokenRequest API) through a kubeconfig that trusts the harness CA. The API
 * server is stopped and started for real (etcd keeps running), etcd is compacted through its gRPC
 * gateway, and a loopback TCP relay stalls one watcher's connections. Only 127.0.0.1 is contacted.
 *
 * K8S_CHAOS_OUTAGE_MS: how long the API-server outage lasts (default 20 000, the 20 s of issue 11).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { eventually, freePort, repoRoot, spawnService, tempDir } from '@fake-stripe/kernel/testing';
import type { Spawned } from '@fake-stripe/kernel/testing';
import { chaosPresets } from '../tools/chaos.ts';
import { startControlPlane } from './k8s/control-plane.ts';
import { serviceAccountKubeconfig as kubeconfigOf, renderChart } from './k8s/objects.ts';
import type { ControlPlane } from './k8s/control-plane.ts';

const run = promisify(execFile);
const OUTAGE_MS = Number(process.env.K8S_CHAOS_OUTAGE_MS || 20_000);
const NAMESPACE = 'chaos-test';
const RELEASE = 'fs';
const SA = `${RELEASE}-fake-stripe-payment`;
const CONFIGMAP = `${SA}-chaos`;
const ROLE = `${SA}-chaos-reader`;
const ADMIN_TOKEN = 'test-admin-token';
/** What every watcher here is configured with: a short backoff cap, no resync unless a test wants one. */
const watcherEnv = { CHAOS_CONFIGMAP_BACKOFF_MAX_MS: '1000', CHAOS_CONFIGMAP_RESYNC_SECONDS: '0' };

let cp: ControlPlane;
let tmp: ReturnType<typeof tempDir>;
let proc: Spawned;
let chaosFile: string;
/** The chaos ConfigMap as the chart renders it (profile off), to create it again. */
let chartConfigMap: unknown;

/** A TCP relay on 127.0.0.1 to the API server: `stall()` stops every open connection's traffic (new ones flow). */
function relay(port: number, target: number) {
  let server: Server | undefined;
  const open = new Set<[Socket, Socket]>();
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(target, '127.0.0.1');
        const pair: [Socket, Socket] = [client, upstream];
        open.add(pair);
        for (const [s, other] of [pair, [upstream, client]]) {
          s!.on('error', () => undefined);
          s!.once('close', () => {
            open.delete(pair);
            other!.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject).listen(port, '127.0.0.1', () => resolve());
    });
  const stall = () => {
    for (const [client, upstream] of open) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  };
  const close = async () => {
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const [client, upstream] of open) for (const s of [client, upstream]) s.destroy();
    await closed;
  };
  return { listen, stall, close };
}

async function ok(method: string, path: string, body?: unknown, contentType?: string) {
  const reply = await cp.api(method, path, body, contentType);
  if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

const configMapPath = `/api/v1/namespaces/${NAMESPACE}/configmaps/${CONFIGMAP}`;
const patchChaos = (doc: unknown) =>
  ok(
    'PATCH',
    configMapPath,
    { data: { 'chaos.json': typeof doc === 'string' ? doc : JSON.stringify(doc) } },
    'application/merge-patch+json',
  );
const insufficientFunds = {
  profile: 'default',
  timeoutMs: 0,
  overrides: { authorize: { weights: { insufficient_funds: 1 } } },
};

/** The chart's objects of payment's chaos watch, rendered with `helm template` and created as they are. */
async function createChartObjects(): Promise<void> {
  const objects = await renderChart({
    release: RELEASE,
    namespace: NAMESPACE,
    templates: ['services.yaml', 'rbac.yaml'],
    set: ['services.payment.chaos.config.profile=off', 'services.payment.chaos.config.timeoutMs=0'],
  });
  const collections: Record<string, [kind: string, name: string]> = {
    [`/api/v1/namespaces/${NAMESPACE}/serviceaccounts`]: ['ServiceAccount', SA],
    [`/api/v1/namespaces/${NAMESPACE}/configmaps`]: ['ConfigMap', CONFIGMAP],
    [`/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/roles`]: ['Role', ROLE],
    [`/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/rolebindings`]: ['RoleBinding', ROLE],
  };
  for (const [collection, [kind, name]] of Object.entries(collections)) {
    const object = objects.find((o) => o?.kind === kind && o.metadata?.name === name);
    if (!object) throw new Error(`helm template rendered no ${kind} ${name}`);
    if (kind === 'ConfigMap') chartConfigMap = object;
    await ok('POST', collection, object);
  }
}

/** A kubeconfig with a token of `serviceAccount`, to the API server at `server`. */
const serviceAccountKubeconfig = (serviceAccount: string, server: string): Promise<string> =>
  kubeconfigOf(cp, { namespace: NAMESPACE, serviceAccount, server, dir: tmp.dir });

/** A payment process watching the chart's ConfigMap with the kubeconfig given. */
const spawnPayment = (name: string, kubeconfig: string, env: Record<string, string> = {}): Promise<Spawned> =>
  spawnService('payment', {
    DATA_DIR: join(tmp.dir, `data-${name}`),
    KUBECONFIG: kubeconfig,
    CHAOS_CONFIGMAP: CONFIGMAP,
    CHAOS_CONFIGMAP_NAMESPACE: NAMESPACE,
    ADMIN_TOKEN,
    ...watcherEnv,
    ...env,
  });

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}
/** A process's pino lines from line `from` on. */
const logs = (p: Spawned, from = 0): LogLine[] =>
  p.lines.slice(from).flatMap((line) => {
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });

interface Distribution {
  profile: string;
  operations: Record<string, { weights: Record<string, number> }>;
  source: {
    source: string;
    version?: string;
    since: string;
    lastError?: { source: string; message: string; at: string };
  };
}
const distribution = async (p = proc): Promise<Distribution> =>
  (await fetch(`${p.url}/payment/chaos/distribution`).then((r) => r.json())) as Distribution;

/** The distribution once the ConfigMap version `version` is in force. */
const versionInForce = (version: string, what: string, timeoutMs: number, p = proc): Promise<Distribution> =>
  eventually(
    async () => {
      const d = await distribution(p);
      return d.source.version === version ? d : undefined;
    },
    what,
    { timeoutMs, intervalMs: 20 },
  );

/** The distribution once its last error (a refusal or a watch failure) mentions `text`. */
const lastErrorShown = (text: string, what: string): Promise<Distribution> =>
  eventually(
    async () => {
      const d = await distribution();
      return d.source.lastError?.message.includes(text) ? d : undefined;
    },
    what,
    { timeoutMs: 2_000, intervalMs: 20 },
  );

let keyCounter = 0;
async function authorizeOutcome(p = proc): Promise<string | null> {
  keyCounter += 1;
  const res = await fetch(`${p.url}/payment/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Idempotency-Key': `k8s-chaos-${keyCounter}` },
    body: JSON.stringify({ orderId: `ORD-${keyCounter}`, customerId: 'C', amount: 100 }),
  });
  await res.text();
  return res.headers.get('x-chaos-outcome');
}

const rejectedCount = async (): Promise<number> => {
  const text = await fetch(`${proc.url}/metrics`).then((r) => r.text());
  const line = text
    .split('\n')
    .find((l) => l.startsWith('fake_stripe_chaos_config_rejected_total{') && l.includes('source="configmap"'));
  return line ? Number(line.split(' ').at(-1)) : 0;
};

beforeAll(async () => {
  cp = await startControlPlane();
  tmp = tempDir('fake-stripe-k8s-chaos-');
  await ok('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACE } });
  await createChartObjects();
  // The file says otherwise than the ConfigMap: the ConfigMap, newer, wins once listed.
  chaosFile = join(tmp.dir, 'chaos', 'payment.json');
  proc = await spawnPayment('main', await serviceAccountKubeconfig(SA, cp.server), { CHAOS_FILE: chaosFile });
}, 180_000);

afterAll(async () => {
  await proc?.kill();
  await cp?.stop();
  tmp?.remove();
});

describe('the chaos ConfigMap source', () => {
  it('applies the ConfigMap at start-up and each edit within 2 s; the next requests draw from the new mix', async () => {
    const first = await eventually(async () => {
      const d = await distribution();
      return d.source.source === 'configmap' ? d : undefined;
    }, 'the ConfigMap in force');
    expect(first.profile).toBe('off');
    expect(await authorizeOutcome()).toBe('success');

    const edited = await patchChaos(insufficientFunds);
    const started = Date.now();
    const applied = await versionInForce(edited.metadata.resourceVersion, 'the edit in distribution', 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(applied.source.source).toBe('configmap');
    expect(applied.operations.authorize!.weights).toEqual({ insufficient_funds: 100 });
    for (let i = 0; i < 5; i += 1) expect(await authorizeOutcome()).toBe('insufficient_funds');
  });

  it('refuses a bad edit: the previous mix stays, the metric counts it, distribution shows it, an Event on the ConfigMap says why', async () => {
    const before = await distribution();
    const rejectedBefore = await rejectedCount();

    const teleport = await patchChaos({ profile: 'default', overrides: { teleport: { weights: { success: 1 } } } });
    const refused = await lastErrorShown('teleport', 'the refusal in distribution');
    expect(refused.source).toMatchObject({ source: 'configmap', version: before.source.version });
    expect(refused.source.lastError).toMatchObject({ source: 'configmap' });
    expect(Date.parse(refused.source.lastError!.at)).not.toBeNaN();
    expect(refused.operations).toEqual(before.operations);
    expect(await rejectedCount()).toBe(rejectedBefore + 1);

    const notJson = await patchChaos('{ "profile": "off", ');
    await lastErrorShown('not JSON', 'the invalid JSON refused');
    expect(await rejectedCount()).toBe(rejectedBefore + 2);
    for (let i = 0; i < 5; i += 1) expect(await authorizeOutcome()).toBe('insufficient_funds');

    // What `kubectl describe configmap` lists: the Events whose involvedObject is this ConfigMap.
    const selector = encodeURIComponent(`involvedObject.name=${CONFIGMAP},reason=ChaosConfigRejected`);
    const events = await eventually(
      async () => {
        const list = await ok('GET', `/api/v1/namespaces/${NAMESPACE}/events?fieldSelector=${selector}`);
        return list.items.length >= 2 ? list.items : undefined;
      },
      'the two Events on the ConfigMap',
      { timeoutMs: 5_000, intervalMs: 50 },
    );
    const of = (version: string) =>
      events.find((e: { involvedObject: { resourceVersion: string } }) => e.involvedObject.resourceVersion === version);
    for (const [edit, reason] of [
      [teleport, 'unknown operation "teleport"'],
      [notJson, 'chaos.json is not JSON'],
    ] as const) {
      const event = of(edit.metadata.resourceVersion);
      expect(event).toMatchObject({
        type: 'Warning',
        reason: 'ChaosConfigRejected',
        involvedObject: { kind: 'ConfigMap', name: CONFIGMAP, namespace: NAMESPACE, uid: edit.metadata.uid },
        source: { component: 'fake-stripe-payment' },
        count: 1,
      });
      expect(event.message).toContain('the last good chaos config stays');
      expect(event.message).toContain(reason);
    }
  });

  it('the newest change wins among the file, the PUT and the ConfigMap; distribution shows the source in force', async () => {
    const put = (doc: unknown) =>
      fetch(`${proc.url}/payment/chaos`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(doc),
      });
    expect((await put({ profile: 'off', timeoutMs: 0 })).status).toBe(200);
    const byApi = await distribution();
    expect(byApi.source.source).toBe('api');
    expect(byApi.source.version).toBeUndefined();
    expect(byApi.operations.authorize!.weights).toEqual({ success: 100 });
    expect(await authorizeOutcome()).toBe('success');

    writeFileSync(
      chaosFile,
      JSON.stringify({ profile: 'default', timeoutMs: 0, overrides: { authorize: { weights: { server_error: 1 } } } }),
    );
    const byFile = await eventually(
      async () => {
        const d = await distribution();
        return d.source.source === 'file' ? d : undefined;
      },
      'the file in force',
      { timeoutMs: 5_000, intervalMs: 20 },
    );
    expect(byFile.operations.authorize!.weights).toEqual({ server_error: 100 });
    expect(await authorizeOutcome()).toBe('server_error');

    const edited = await patchChaos(insufficientFunds);
    const byConfigMap = await versionInForce(edited.metadata.resourceVersion, 'the ConfigMap in force again', 2_000);
    expect(byConfigMap.source.source).toBe('configmap');
    expect(await authorizeOutcome()).toBe('insufficient_funds');

    // A refused change from any source leaves the source in force as it was.
    expect((await put({ profile: 'no-such-profile' })).status).toBe(400);
    expect((await distribution()).source).toMatchObject({
      source: 'configmap',
      version: edited.metadata.resourceVersion,
    });
  });

  it('make chaos service=payment profile=off patches the ConfigMap: the service applies it; bad arguments change nothing', async () => {
    const make = (...args: string[]) =>
      run('make', ['-s', 'chaos', ...args, `release=${RELEASE}`, `namespace=${NAMESPACE}`], {
        cwd: repoRoot,
        env: { ...process.env, KUBECONFIG: cp.kubeconfig },
      });
    const { stdout } = await make('service=payment', 'profile=off');
    expect(stdout).toContain(`${NAMESPACE}/${CONFIGMAP}: profile default -> off (overrides dropped`);
    const cm = await ok('GET', configMapPath);
    expect(JSON.parse(cm.data['chaos.json'])).toEqual({ profile: 'off', timeoutMs: 0 });
    const applied = await versionInForce(cm.metadata.resourceVersion, 'the profile make chaos set', 2_000);
    expect(applied.operations.authorize!.weights).toEqual({ success: 100 });
    expect(await authorizeOutcome()).toBe('success');

    for (const [args, message] of [
      [['service=payment', 'profile=flaky'], 'profile=flaky is not in fs-fake-stripe-payment-chaos: have off, default'],
      [['service=api', 'profile=off'], 'service=api has no chaos ConfigMap'],
      [['service=payment'], 'profile= is required'],
      [['preset=fast', 'profile=off'], 'give profile= (one service) or preset= (every service), not both'],
      [['preset=slow'], 'preset=slow is not a preset (off, default, fast)'],
      // Only payment's ConfigMap is here: a preset for every service finds them all first, and patches none.
      [['preset=off'], `no chaos ConfigMap of inventory in namespace ${NAMESPACE}, release ${RELEASE}`],
    ] as const)
      await expect(make(...args)).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining(message) });
    expect((await ok('GET', configMapPath)).metadata.resourceVersion).toBe(cm.metadata.resourceVersion);

    // A document the services would refuse is never written: a named profile beside a negative timeout.
    const bad = await patchChaos({ profile: 'off', timeoutMs: -1, profiles: { calm: {} } });
    await expect(make('service=payment', 'profile=calm')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining(`${CONFIGMAP}: the new document would be refused (timeoutMs:`),
    });
    expect((await ok('GET', configMapPath)).metadata.resourceVersion).toBe(bad.metadata.resourceVersion);
  });

  it('make chaos preset=fast service=payment replaces the document with the preset; the service applies it', async () => {
    const { stdout } = await run(
      'make',
      ['-s', 'chaos', 'preset=fast', 'service=payment', `release=${RELEASE}`, `namespace=${NAMESPACE}`],
      {
        cwd: repoRoot,
        env: { ...process.env, KUBECONFIG: cp.kubeconfig },
      },
    );
    const cm = await ok('GET', configMapPath);
    expect(stdout).toContain(`${NAMESPACE}/${CONFIGMAP}: preset fast, resourceVersion ${cm.metadata.resourceVersion}`);
    expect(JSON.parse(cm.data['chaos.json'])).toEqual(chaosPresets.fast('payment'));
    const applied = await versionInForce(cm.metadata.resourceVersion, 'the preset make chaos set', 2_000);
    expect(applied.profile).toBe('default');
    expect(applied.operations.authorize!.weights).not.toEqual({ success: 100 });
  });

  it('a deleted ConfigMap keeps the last good config and says so; created again, it applies', async () => {
    const edited = await patchChaos(insufficientFunds);
    const before = await versionInForce(edited.metadata.resourceVersion, 'the edit before the deletion', 2_000);
    await ok('DELETE', configMapPath);
    const told = await lastErrorShown('was deleted; keeping the last good config', 'the deletion in distribution');
    expect(told.source).toMatchObject({ source: 'configmap', version: before.source.version });
    expect(told.operations).toEqual(before.operations);
    expect(await authorizeOutcome()).toBe('insufficient_funds');

    const created = await ok('POST', `/api/v1/namespaces/${NAMESPACE}/configmaps`, chartConfigMap);
    const applied = await versionInForce(created.metadata.resourceVersion, 'the ConfigMap created again', 2_000);
    expect(applied.profile).toBe('off');
    expect(await authorizeOutcome()).toBe('success');
  });

  it('a ServiceAccount without the Role: one clear error, the service serves its file config; a Role bound later is picked up', async () => {
    const denied = 'payment-without-role';
    await ok('POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts`, {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: denied },
    });
    const file = join(tmp.dir, 'chaos', 'denied.json');
    writeFileSync(file, JSON.stringify(insufficientFunds));
    const p = await spawnPayment('denied', await serviceAccountKubeconfig(denied, cp.server), {
      CHAOS_FILE: file,
      LOG_LEVEL: 'debug',
    });
    try {
      const failures = () => logs(p).filter((l) => l.msg.startsWith(`watching ConfigMap ${NAMESPACE}/${CONFIGMAP}`));
      // Several retries (backoff capped at 1 s here), each after a 403.
      await eventually(() => failures().length >= 5, 'five refused attempts', { timeoutMs: 15_000, intervalMs: 100 });
      const errors = failures().filter((l) => l.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ status: 403 });
      expect(errors[0]!.msg).toContain('is forbidden');
      expect(errors[0]!.msg).toContain('The ServiceAccount may not watch its chaos ConfigMap');
      expect(failures().filter((l) => l.level === 'warn')).toEqual([]);

      const d = await distribution(p);
      expect(d.source.source).toBe('file');
      expect(d.source.lastError?.message).toContain('403');
      expect(await authorizeOutcome(p)).toBe('insufficient_funds');
      expect((await fetch(`${p.url}/ready`)).status).toBe(200);

      await ok('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/rolebindings`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: `${denied}-granted` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ROLE },
        subjects: [{ kind: 'ServiceAccount', name: denied, namespace: NAMESPACE }],
      });
      const version = (await ok('GET', configMapPath)).metadata.resourceVersion as string;
      await versionInForce(version, 'the ConfigMap once the Role is bound', 10_000, p);
      expect(logs(p).some((l) => l.msg === 'chaos ConfigMap watch working again')).toBe(true);
    } finally {
      await p.kill();
    }
  }, 60_000);

  it('the periodic resync relists: an edit a stalled watch never delivers applies within the resync period', async () => {
    const relayPort = await freePort();
    const apiRelay = relay(relayPort, Number(new URL(cp.server).port));
    await apiRelay.listen();
    const p = await spawnPayment('resync', await serviceAccountKubeconfig(SA, `https://127.0.0.1:${relayPort}`), {
      CHAOS_CONFIGMAP_RESYNC_SECONDS: '1',
      LOG_LEVEL: 'debug',
    });
    try {
      const start = await ok('GET', configMapPath);
      await versionInForce(start.metadata.resourceVersion, 'the ConfigMap in force', 5_000, p);
      // Stall right after a watch was established: its own inactivity timeout (30 s) is then far away,
      // so only a relist can bring the edit within seconds.
      const established = () => logs(p).filter((l) => l.msg === 'chaos ConfigMap watch established').length;
      const count = established();
      await eventually(() => established() > count, 'a fresh watch', { timeoutMs: 5_000, intervalMs: 5 });
      apiRelay.stall();
      const edited = await patchChaos(insufficientFunds);
      const started = Date.now();
      await versionInForce(edited.metadata.resourceVersion, 'the edit through the resync', 5_000, p);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(logs(p).some((l) => l.msg === 'chaos ConfigMap resync: relisting')).toBe(true);
      expect(await authorizeOutcome(p)).toBe('insufficient_funds');
    } finally {
      await p.kill();
      await apiRelay.close();
    }
  }, 30_000);

  it('recovers from a compacted resourceVersion (410 Gone) by a relist, and applies the next edit', async () => {
    const from = proc.lines.length;
    await cp.stopApiServer();
    const revision = await cp.compactEtcd();
    await cp.startApiServer();
    const expired = await eventually(
      () => logs(proc, from).find((l) => l.msg === 'chaos ConfigMap resourceVersion expired (410 Gone): relisting'),
      'the watch resumed from a compacted resourceVersion',
      { timeoutMs: 20_000, intervalMs: 50 },
    );
    expect(Number(expired.resourceVersion)).toBeLessThan(revision);
    const edited = await patchChaos({ profile: 'off', timeoutMs: 0 });
    await versionInForce(edited.metadata.resourceVersion, 'the edit after the relist', 2_000);
    expect(await authorizeOutcome()).toBe('success');
  }, 60_000);

  it(
    `keeps serving the last good config through a ${OUTAGE_MS / 1000} s API-server outage; an edit right after the restart applies`,
    async () => {
      const good = await patchChaos({ profile: 'off', timeoutMs: 0, seed: 'outage' });
      await versionInForce(good.metadata.resourceVersion, 'the last good config', 2_000);
      const pid = proc.child.pid;

      await cp.stopApiServer();
      const until = Date.now() + OUTAGE_MS;
      let served = 0;
      while (Date.now() < until) {
        expect((await distribution()).source).toMatchObject({
          source: 'configmap',
          version: good.metadata.resourceVersion,
        });
        expect(await authorizeOutcome()).toBe('success');
        expect((await fetch(`${proc.url}/ready`)).status).toBe(200);
        served += 1;
        await sleep(500);
      }
      expect(served).toBeGreaterThanOrEqual(OUTAGE_MS / 2000); // checked at least every 2 s
      expect((await distribution()).source.lastError?.message).toMatch(/^watching ConfigMap/);

      await cp.startApiServer();
      const edited = await patchChaos(insufficientFunds);
      const applied = await versionInForce(
        edited.metadata.resourceVersion,
        'the edit made right after the restart',
        10_000,
      );
      expect(applied.operations.authorize!.weights).toEqual({ insufficient_funds: 100 });
      expect(await authorizeOutcome()).toBe('insufficient_funds');
      expect({ pid: proc.child.pid, exitCode: proc.child.exitCode }).toEqual({ pid, exitCode: null });
    },
    OUTAGE_MS + 90_000,
  );
});
