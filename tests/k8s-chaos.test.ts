/**
 * The chaos ConfigMap source against the real API server of the harness (tests/k8s/control-plane.ts):
 * a payment process watches its ConfigMap with a ServiceAccount token (TokenRequest API) bound to a
 * Role like the chart's (get, list, watch on that one ConfigMap), through a kubeconfig that trusts the
 * harness CA. The service reaches the API server through a loopback TCP relay the test can cut, to
 * play an API-server outage. Only 127.0.0.1 is contacted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { eventually, freePort, spawnService, tempDir } from '@fake-stripe/kernel/testing';
import type { Spawned } from '@fake-stripe/kernel/testing';
import { startControlPlane } from './k8s/control-plane.ts';
import type { ControlPlane } from './k8s/control-plane.ts';

const NAMESPACE = 'chaos-test';
const SA = 'payment';
const CONFIGMAP = 'payment-chaos';

let cp: ControlPlane;
let tmp: ReturnType<typeof tempDir>;
let proc: Spawned;

/** A TCP relay on 127.0.0.1 to the API server: `cut()` drops every connection and refuses new ones. */
function relay(port: number, target: number) {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const open = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((client) => {
        const upstream = connect(target, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.once('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.once('error', reject).listen(port, '127.0.0.1', () => resolve());
    });
  const cut = async () => {
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  return { open, cut };
}
let apiRelay: ReturnType<typeof relay>;

async function ok(method: string, path: string, body?: unknown, contentType?: string) {
  const reply = await cp.api(method, path, body, contentType);
  if (reply.status >= 300) throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

const patchChaos = (doc: unknown) =>
  ok(
    'PATCH',
    `/api/v1/namespaces/${NAMESPACE}/configmaps/${CONFIGMAP}`,
    { data: { 'chaos.json': typeof doc === 'string' ? doc : JSON.stringify(doc) } },
    'application/merge-patch+json',
  );

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
const distribution = async (): Promise<Distribution> =>
  (await fetch(`${proc.url}/payment/chaos/distribution`).then((r) => r.json())) as Distribution;

/** The distribution once the ConfigMap version `version` is in force. */
const versionInForce = (version: string, what: string, timeoutMs: number): Promise<Distribution> =>
  eventually(
    async () => {
      const d = await distribution();
      return d.source.version === version ? d : undefined;
    },
    what,
    { timeoutMs, intervalMs: 20 },
  );

let keyCounter = 0;
async function authorizeOutcome(): Promise<string | null> {
  keyCounter += 1;
  const res = await fetch(`${proc.url}/payment/authorize`, {
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
  await ok('POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts`, {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: SA },
  });
  await ok('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/roles`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'payment-chaos-reader' },
    rules: [
      { apiGroups: [''], resources: ['configmaps'], resourceNames: [CONFIGMAP], verbs: ['get', 'list', 'watch'] },
    ],
  });
  await ok('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${NAMESPACE}/rolebindings`, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'payment-chaos-reader' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'payment-chaos-reader' },
    subjects: [{ kind: 'ServiceAccount', name: SA, namespace: NAMESPACE }],
  });
  await ok('POST', `/api/v1/namespaces/${NAMESPACE}/configmaps`, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: CONFIGMAP },
    data: { 'chaos.json': JSON.stringify({ profile: 'off', timeoutMs: 0 }) },
  });
  const token = (
    await ok('POST', `/api/v1/namespaces/${NAMESPACE}/serviceaccounts/${SA}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    })
  ).status.token as string;
  const admin = JSON.parse(readFileSync(cp.kubeconfig, 'utf8')) as {
    clusters: Array<{ cluster: { 'certificate-authority': string } }>;
  };
  const relayPort = await freePort();
  apiRelay = relay(relayPort, Number(new URL(cp.server).port));
  await apiRelay.open();
  const kubeconfig = join(tmp.dir, 'payment.kubeconfig');
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'test',
          cluster: {
            server: `https://127.0.0.1:${relayPort}`,
            'certificate-authority': admin.clusters[0]!.cluster['certificate-authority'],
          },
        },
      ],
      users: [{ name: SA, user: { token } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: SA } }],
      'current-context': 'test',
    }),
  );
  proc = await spawnService('payment', {
    DATA_DIR: join(tmp.dir, 'data'),
    KUBECONFIG: kubeconfig,
    CHAOS_CONFIGMAP: CONFIGMAP,
    CHAOS_CONFIGMAP_NAMESPACE: NAMESPACE,
  });
}, 180_000);

afterAll(async () => {
  await proc?.kill();
  await apiRelay?.cut();
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

    const edited = await patchChaos({
      profile: 'default',
      timeoutMs: 0,
      overrides: { authorize: { weights: { insufficient_funds: 1 } } },
    });
    const started = Date.now();
    const applied = await versionInForce(edited.metadata.resourceVersion, 'the edit in distribution', 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(applied.source.source).toBe('configmap');
    expect(applied.operations.authorize!.weights).toEqual({ insufficient_funds: 100 });
    for (let i = 0; i < 5; i += 1) expect(await authorizeOutcome()).toBe('insufficient_funds');
  });

  it('refuses a bad edit: the previous mix stays, the metric counts it, distribution shows the error', async () => {
    const before = await distribution();
    const rejectedBefore = await rejectedCount();

    await patchChaos({ profile: 'default', overrides: { teleport: { weights: { success: 1 } } } });
    const refused = await eventually(
      async () => {
        const d = await distribution();
        return d.source.lastError?.message.includes('teleport') ? d : undefined;
      },
      'the refusal in distribution',
      { timeoutMs: 2_000, intervalMs: 20 },
    );
    expect(refused.source).toMatchObject({ source: 'configmap', version: before.source.version });
    expect(refused.source.lastError).toMatchObject({ source: 'configmap' });
    expect(Date.parse(refused.source.lastError!.at)).not.toBeNaN();
    expect(refused.operations).toEqual(before.operations);
    expect(await rejectedCount()).toBe(rejectedBefore + 1);

    await patchChaos('{ "profile": "off", ');
    await eventually(
      async () => ((await distribution()).source.lastError?.message.includes('not JSON') ? true : undefined),
      'the invalid JSON refused',
      { timeoutMs: 2_000, intervalMs: 20 },
    );
    expect(await rejectedCount()).toBe(rejectedBefore + 2);
    for (let i = 0; i < 5; i += 1) expect(await authorizeOutcome()).toBe('insufficient_funds');
  });

  it('restarts the watch after the API server was unreachable: it kept serving, and an edit made meanwhile applies', async () => {
    const before = await distribution();
    await apiRelay.cut();
    await eventually(
      async () =>
        (await distribution()).source.lastError?.message.startsWith('watching ConfigMap') ? true : undefined,
      'the watch failure in distribution',
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    const meanwhile = await patchChaos({ profile: 'off', timeoutMs: 0 });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Still serving the last good config, with no API server in reach.
    expect((await distribution()).source.version).toBe(before.source.version);
    expect(await authorizeOutcome()).toBe('insufficient_funds');
    expect((await fetch(`${proc.url}/ready`)).status).toBe(200);

    await apiRelay.open();
    const applied = await versionInForce(
      meanwhile.metadata.resourceVersion,
      'the edit made during the outage applied',
      15_000,
    );
    expect(applied.profile).toBe('off');
    expect(await authorizeOutcome()).toBe('success');
  }, 40_000);
});
