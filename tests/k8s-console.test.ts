/**
 * The console's chaos writes in a cluster (console.chaosWrites=configmap) against the real API server
 * of the harness (tests/k8s/control-plane.ts). The chart's objects for the API and payment (their
 * ServiceAccounts, payment's chaos ConfigMap, the API's chaos-writer Role and payment's reader Role
 * with their RoleBindings, from `helm template`) are created in a namespace; a real API process writes
 * with its ServiceAccount's token (TokenRequest API) and the ConfigMap name the chart gives it, and a
 * real payment process watches that ConfigMap with its own. Only 127.0.0.1 is contacted.
 */
import { join } from 'node:path';
import { eventually, getJson, spawnService, tempDir } from '@fake-stripe/kernel/testing';
import type { Spawned } from '@fake-stripe/kernel/testing';
import { startControlPlane } from './k8s/control-plane.ts';
import type { ControlPlane } from './k8s/control-plane.ts';
import {
  collection,
  createNamespace,
  ok,
  renderChart,
  serviceAccountKubeconfig,
  serviceAccountMay,
} from './k8s/objects.ts';
import type { K8sObject } from './k8s/objects.ts';

const NAMESPACE = 'console-test';
const RELEASE = 'fs';
const component = (service: string): string => `${RELEASE}-fake-stripe-${service}`;
const CONFIGMAP = `${component('payment')}-chaos`;
const ADMIN_TOKEN = 'test-admin-token';
const asAdmin = { authorization: `Bearer ${ADMIN_TOKEN}` };

let cp: ControlPlane;
let tmp: ReturnType<typeof tempDir>;
let payment: Spawned;
let api: Spawned;
/** The API's static configuration as the chart renders it. */
let apiEnv: Record<string, string>;

/** The chart with the console writing ConfigMaps and payment watching its own (profile off at first). */
const chartObjects = (): Promise<K8sObject[]> =>
  renderChart({
    release: RELEASE,
    namespace: NAMESPACE,
    templates: ['services.yaml', 'rbac.yaml'],
    set: [
      'console.chaosWrites=configmap',
      'services.payment.chaos.watchApi=true',
      'networkPolicy.kubeApi.cidrs={127.0.0.1/32}',
      'services.payment.chaos.config.profile=off',
    ],
  });

const readConfigMap = async (): Promise<K8sObject> =>
  ok(cp.api('GET', `/api/v1/namespaces/${NAMESPACE}/configmaps/${CONFIGMAP}`), CONFIGMAP);

const putChaos = (body: unknown, headers: Record<string, string> = asAdmin) =>
  fetch(`${api.url}/console/api/chaos/payment`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as K8sObject }));

/** Whether the API's ServiceAccount may `verb` the ConfigMap `name` (any of them when undefined). */
const apiMay = (verb: string, name?: string): Promise<boolean> =>
  serviceAccountMay(cp, { namespace: NAMESPACE, serviceAccount: component('api') }, verb, 'configmaps', name);

beforeAll(async () => {
  cp = await startControlPlane();
  tmp = tempDir('fake-stripe-k8s-console-');
  await createNamespace(cp, NAMESPACE);
  const objects = await chartObjects();
  const wanted: Array<[kind: string, name: string]> = [
    ['ServiceAccount', component('api')],
    ['ServiceAccount', component('payment')],
    ['ConfigMap', CONFIGMAP],
    ['ConfigMap', `${component('api')}-env`],
    ['Role', `${component('api')}-chaos-writer`],
    ['RoleBinding', `${component('api')}-chaos-writer`],
    ['Role', `${component('payment')}-chaos-reader`],
    ['RoleBinding', `${component('payment')}-chaos-reader`],
  ];
  for (const [kind, name] of wanted) {
    const object = objects.find((o) => o.kind === kind && o.metadata?.name === name);
    if (!object) throw new Error(`helm template rendered no ${kind} ${name}`);
    if (name === `${component('api')}-env`) apiEnv = object.data as Record<string, string>;
    await ok(cp.api('POST', await collection(cp, object, NAMESPACE), object), `${kind} ${name}`);
  }
  const kubeconfig = (service: string) =>
    serviceAccountKubeconfig(cp, {
      namespace: NAMESPACE,
      serviceAccount: component(service),
      server: cp.server,
      dir: tmp.dir,
    });
  payment = await spawnService('payment', {
    DATA_DIR: join(tmp.dir, 'payment'),
    KUBECONFIG: await kubeconfig('payment'),
    CHAOS_CONFIGMAP: CONFIGMAP,
    CHAOS_CONFIGMAP_NAMESPACE: NAMESPACE,
    CHAOS_CONFIGMAP_BACKOFF_MAX_MS: '1000',
    CHAOS_CONFIGMAP_RESYNC_SECONDS: '0',
    ADMIN_TOKEN,
  });
  // The API as the chart configures it (its console variables), with its own ServiceAccount's token.
  const consoleEnv = Object.fromEntries(Object.entries(apiEnv).filter(([k]) => k.startsWith('CONSOLE_')));
  api = await spawnService('api', {
    ...consoleEnv,
    KUBECONFIG: await kubeconfig('api'),
    PAYMENT_URL: payment.url,
    ADMIN_TOKEN,
    TEMPORAL_ADDRESS: '127.0.0.1:1', // never dialled: the client connects lazily, and no order is made here
  });
}, 180_000);

afterAll(async () => {
  await api?.kill();
  await payment?.kill();
  await cp?.stop();
  tmp?.remove();
});

describe('the console writing chaos to the ConfigMaps', () => {
  it("is configured by the chart to write this release's ConfigMaps in its namespace", () => {
    expect(apiEnv).toMatchObject({
      CONSOLE_CHAOS_WRITES: 'configmap',
      CONSOLE_CHAOS_CONFIGMAP: `${component('{service}')}-chaos`,
      CONSOLE_CHAOS_NAMESPACE: NAMESPACE,
    });
  });

  it("writes a change to payment's ConfigMap, and payment applies it from its watch", async () => {
    const before = await readConfigMap();
    const document = {
      profile: 'default',
      timeoutMs: 300,
      overrides: { authorize: { weights: { insufficient_funds: 1 } } },
    };
    const res = await putChaos(document);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ written: 'configmap', namespace: NAMESPACE, configMap: CONFIGMAP });
    const after = await readConfigMap();
    expect(JSON.parse(after.data['chaos.json'])).toEqual(document);
    expect(after.metadata.resourceVersion).toBe(res.body.resourceVersion);
    expect(after.metadata.resourceVersion).not.toBe(before.metadata.resourceVersion);
    const live = await eventually(
      async () => {
        const d = (await getJson(`${payment.url}/payment/chaos/distribution`)).body;
        return d.source.source === 'configmap' && d.source.version === after.metadata.resourceVersion && d;
      },
      'payment to apply the ConfigMap',
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(live.operations.authorize.weights).toEqual({ insufficient_funds: 100 });
    expect(live.timeoutMs).toBe(300);
  }, 30_000);

  it('refuses a bad value with the reason and leaves the ConfigMap as it was', async () => {
    const before = await readConfigMap();
    const negative = await putChaos({ profile: 'default', timeoutMs: -5 });
    expect(negative.status).toBe(400);
    expect(negative.body.error.message).toMatch(/^Chaos config refused: .*timeoutMs/s);
    // An outcome the schema allows but payment does not have: refused by payment's own operations.
    const unknown = await putChaos({ overrides: { authorize: { weights: { lost_in_the_post: 1 } } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/unknown outcome "lost_in_the_post"/);
    const after = await readConfigMap();
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.data).toEqual(before.data);
  });

  it('refuses a caller without the admin token before reading or writing anything', async () => {
    const before = await readConfigMap();
    const res = await putChaos({ profile: 'off' }, { authorization: 'Bearer not-the-admin' });
    expect(res.status).toBe(401);
    expect((await readConfigMap()).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it("lets the API's ServiceAccount get and patch the chaos ConfigMaps by name, nothing else", async () => {
    expect(await apiMay('get', CONFIGMAP)).toBe(true);
    expect(await apiMay('patch', CONFIGMAP)).toBe(true);
    expect(await apiMay('patch', `${component('inventory')}-chaos`)).toBe(true);
    expect(await apiMay('patch', `${component('api')}-env`)).toBe(false);
    expect(await apiMay('update', CONFIGMAP)).toBe(false);
    expect(await apiMay('delete', CONFIGMAP)).toBe(false);
    expect(await apiMay('list')).toBe(false);
    expect(await apiMay('create')).toBe(false);
  });
});
