/**
 * charts/fake-stripe against a real Kubernetes API server (tests/k8s/control-plane.ts: etcd,
 * kube-apiserver, kube-controller-manager, kube-scheduler on loopback; kwok simulates the one Node,
 * so pods are scheduled and turn Running and Ready but run no containers). Proves what only an API
 * server decides: that `helm install --wait` of every values variant converges, that every rendered
 * object passes strict field validation, what the ServiceAccounts may do under RBAC, and which
 * `helm upgrade` rolls the workloads.
 *
 * Only the API server on 127.0.0.1 is ever contacted: pod and Service IPs are kwok's fake addresses.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chaosServices, platformServices } from '@fake-stripe/kernel/local-stack';
import { eventually, repoRoot } from '@fake-stripe/kernel/testing';
import { parse } from 'yaml';
import { NODE_NAME, startControlPlane } from './k8s/control-plane.ts';
import type { ControlPlane } from './k8s/control-plane.ts';
import {
  collection as collectionIn,
  createNamespace as createNamespaceIn,
  documents,
  ok,
  persistentVolumeFor,
  serviceAccountMay,
} from './k8s/objects.ts';
import type { K8sObject } from './k8s/objects.ts';

const run = promisify(execFile);
const HELM = join(repoRoot, '.tools/bin/helm');
const chart = join(repoRoot, 'charts/fake-stripe');
const RELEASE = 'fs';
/** All eight services (the kernel's list): facts of the code the chart must reflect. */
const allServices: readonly string[] = platformServices;
const hasChaos = (service: string): boolean => (chaosServices as readonly string[]).includes(service);
const component = (service: string): string => `${RELEASE}-fake-stripe-${service}`;

/** The install variants: the chart's defaults and each ci/ values file, each in its own namespace. */
const variants = [
  { namespace: 'defaults', file: undefined as string | undefined },
  ...readdirSync(join(chart, 'ci'))
    .filter((f) => f.endsWith('-values.yaml'))
    .sort()
    .map((f) => ({ namespace: f.replace(/-values\.yaml$/, ''), file: join(chart, 'ci', f) })),
];

let cp: ControlPlane;

async function helm(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run(HELM, args, {
      env: { ...process.env, KUBECONFIG: cp.kubeconfig },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`helm ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`, {
      cause: err,
    });
  }
}

const valuesArgs = (file?: string): string[] => (file ? ['--values', file] : []);

async function render(namespace: string, file?: string): Promise<K8sObject[]> {
  return documents(await helm('template', RELEASE, chart, '--namespace', namespace, ...valuesArgs(file)));
}

const collection = (o: K8sObject, namespace: string): Promise<string> => collectionIn(cp, o, namespace);
const createNamespace = (name: string): Promise<K8sObject> => createNamespaceIn(cp, name);

/** What an install needs first: a bound-able PersistentVolume per claim (the harness has no
 * provisioner; kwok mounts nothing), and the Secret an `auth.existingSecret` names. */
async function prepare(namespace: string, file: string | undefined, objects: K8sObject[]): Promise<void> {
  await createNamespace(namespace);
  for (const pvc of objects.filter((o) => o.kind === 'PersistentVolumeClaim'))
    await persistentVolumeFor(cp, namespace, pvc.metadata.name as string, {
      storage: pvc.spec.resources.requests.storage,
      accessModes: pvc.spec.accessModes,
      storageClassName: pvc.spec.storageClassName,
    });
  const defaults = parse(readFileSync(join(chart, 'values.yaml'), 'utf8')) as K8sObject;
  const values = file ? (parse(readFileSync(file, 'utf8')) as K8sObject) : {};
  const secret = values.auth?.existingSecret as string | undefined;
  if (secret) {
    const keys = { ...defaults.auth.keys, ...values.auth?.keys } as Record<string, string>;
    const data = Object.fromEntries(Object.values(keys).map((k) => [k, `test-${k}-value-0123456789`]));
    await ok(
      cp.api('POST', `/api/v1/namespaces/${namespace}/secrets`, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secret },
        stringData: data,
      }),
      `Secret ${secret}`,
    );
  }
}

const workloads = async (namespace: string): Promise<K8sObject[]> => [
  ...(await ok(cp.api('GET', `/apis/apps/v1/namespaces/${namespace}/deployments`), 'deployments')).items,
  ...(await ok(cp.api('GET', `/apis/apps/v1/namespaces/${namespace}/statefulsets`), 'statefulsets')).items,
];

beforeAll(async () => {
  cp = await startControlPlane();
}, 120_000);
afterAll(async () => cp?.stop());

describe('the control plane', () => {
  it('reports the Kubernetes version it was built as', async () => {
    const version = await ok(cp.api('GET', '/version'), '/version');
    expect(version.gitVersion).toMatch(/^v1\.34\.\d+$/);
  });
});

describe.each(variants)('helm install --wait ($namespace)', ({ namespace, file }) => {
  it('converges: every workload ready with the replicas it asks for, its pods Running on the kwok node', async () => {
    const objects = await render(namespace, file);
    await prepare(namespace, file, objects);
    await helm('install', RELEASE, chart, '--namespace', namespace, ...valuesArgs(file), '--wait', '--timeout', '3m');

    // Helm's --wait judges a Deployment by its newest ReplicaSet; the Deployment's own status is
    // written by its controller a moment later, so it is read until it says so too.
    const running = await eventually(() => workloads(namespace), 'every workload to report its replicas ready', {
      until: (ws) => ws.every((w) => w.status?.readyReplicas === w.spec.replicas),
      timeoutMs: 30_000,
      intervalMs: 250,
    }).catch(() => workloads(namespace));
    expect(running.map((w) => w.metadata.name).sort()).toEqual(allServices.map(component).sort());
    for (const w of running)
      expect({ workload: w.metadata.name, ready: w.status.readyReplicas }).toEqual({
        workload: w.metadata.name,
        ready: w.spec.replicas,
      });
    const pods = (await ok(cp.api('GET', `/api/v1/namespaces/${namespace}/pods`), 'pods')).items as K8sObject[];
    expect(pods).toHaveLength(running.reduce((n, w) => n + (w.spec.replicas as number), 0));
    for (const p of pods)
      expect({ pod: p.metadata.name, phase: p.status.phase, node: p.spec.nodeName }).toEqual({
        pod: p.metadata.name,
        phase: 'Running',
        node: NODE_NAME,
      });
    for (const pvc of objects.filter((o) => o.kind === 'PersistentVolumeClaim')) {
      const claim = await ok(
        cp.api('GET', `/api/v1/namespaces/${namespace}/persistentvolumeclaims/${pvc.metadata.name}`),
        'claim',
      );
      expect(claim.status.phase).toBe('Bound');
    }
  }, 360_000);
});

describe('strict field validation of every rendered object', () => {
  const namespace = 'strict';
  beforeAll(() => createNamespace(namespace));

  it.each(variants)(
    'accepts every object of $namespace with fieldValidation=Strict (dry run)',
    async ({ file }) => {
      const objects = await render(namespace, file);
      expect(objects.length).toBeGreaterThan(20);
      const refused: string[] = [];
      for (const o of objects) {
        const url = `${await collection(o, namespace)}?fieldValidation=Strict&dryRun=All`;
        const r = await cp.api('POST', url, o);
        if (r.status !== 201) refused.push(`${o.kind}/${o.metadata.name}: ${r.status} ${r.body?.message}`);
      }
      expect(refused).toEqual([]);
    },
    120_000,
  );

  it('refuses an object with an unknown field (the check can fail)', async () => {
    const objects = await render(namespace);
    const deployment = structuredClone(objects.find((o) => o.kind === 'Deployment'));
    expect(deployment).toBeDefined();
    deployment!.spec.template.spec.containers[0].bogusField = true;
    const r = await cp.api(
      'POST',
      `${await collection(deployment!, namespace)}?fieldValidation=Strict&dryRun=All`,
      deployment,
    );
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('unknown field "spec.template.spec.containers[0].bogusField"');
  });
});

describe('RBAC as the API server decides it (SubjectAccessReview)', () => {
  const namespace = 'defaults'; // installed above
  const can = (service: string, verb: string, resource: string, name?: string): Promise<boolean> =>
    serviceAccountMay(cp, { namespace, serviceAccount: component(service) }, verb, resource, name);

  it.each(chaosServices)('%s may get, list and watch its own chaos ConfigMap by name', async (service) => {
    const own = `${component(service)}-chaos`;
    for (const verb of ['get', 'list', 'watch'])
      expect([verb, await can(service, verb, 'configmaps', own)]).toEqual([verb, true]);
  });

  it.each(chaosServices)(
    '%s may create Events (a refused chaos document) and do nothing else with them',
    async (service) => {
      expect(await can(service, 'create', 'events')).toBe(true);
      for (const verb of ['get', 'list', 'watch', 'update', 'patch', 'delete'])
        expect([verb, await can(service, verb, 'events')]).toEqual([verb, false]);
    },
  );

  it.each(allServices)('%s may not read Secrets, other ConfigMaps, or write anything but Events', async (service) => {
    const denied: string[] = [];
    const check = async (verb: string, resource: string, name?: string): Promise<void> => {
      if (await can(service, verb, resource, name)) denied.push(`${verb} ${resource}${name ? `/${name}` : ''}`);
    };
    for (const verb of ['get', 'list', 'watch']) await check(verb, 'secrets', `${RELEASE}-fake-stripe-tokens`);
    await check('list', 'secrets');
    await check('list', 'configmaps'); // every ConfigMap, not the one by name
    for (const other of chaosServices.filter((s) => s !== service))
      await check('get', 'configmaps', `${component(other)}-chaos`);
    await check('get', 'configmaps', `${component(service)}-env`);
    for (const verb of ['create', 'update', 'patch', 'delete']) {
      await check(verb, 'configmaps', `${component(service)}-chaos`);
      await check(verb, 'secrets');
      await check(verb, 'pods');
      // Only a service with chaos creates Events (above); no one changes one.
      if (verb !== 'create' || !hasChaos(service)) await check(verb, 'events');
    }
    expect(denied).toEqual([]);
  });
});

describe('helm upgrade', () => {
  const namespace = 'defaults';
  const templates = async (): Promise<Record<string, { template: K8sObject; generation: number }>> =>
    Object.fromEntries(
      (await workloads(namespace)).map((w) => [
        w.metadata.name,
        { template: w.spec.template, generation: w.metadata.generation },
      ]),
    );
  const podTemplateHashes = async (deployment: string): Promise<string[]> => {
    const list = await ok(
      cp.api(
        'GET',
        `/apis/apps/v1/namespaces/${namespace}/replicasets?labelSelector=${encodeURIComponent(`app.kubernetes.io/component=${deployment}`)}`,
      ),
      'replicasets',
    );
    return (list.items as K8sObject[]).map((rs) => rs.metadata.labels['pod-template-hash'] as string).sort();
  };
  const upgrade = (...set: string[]): Promise<string> =>
    helm(
      'upgrade',
      RELEASE,
      chart,
      '--namespace',
      namespace,
      '--reuse-values',
      ...set.flatMap((s) => ['--set', s]),
      '--wait',
      '--timeout',
      '5m',
    );

  it('with a changed static value rolls every workload (new checksum, new ReplicaSet)', async () => {
    const before = await templates();
    const hashesBefore = await podTemplateHashes('api');
    expect(hashesBefore).toHaveLength(1);
    await upgrade('logLevel=debug');
    const after = await templates();
    for (const name of allServices.map(component)) {
      expect(after[name]?.template.metadata.annotations['checksum/config']).not.toBe(
        before[name]?.template.metadata.annotations['checksum/config'],
      );
      expect(after[name]?.generation).toBeGreaterThan(before[name]?.generation ?? Infinity);
    }
    const hashesAfter = await podTemplateHashes('api');
    expect(hashesAfter).toHaveLength(2);
    const pods = (
      await ok(
        cp.api(
          'GET',
          `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent('app.kubernetes.io/component=api')}`,
        ),
        'pods',
      )
    ).items as K8sObject[];
    const fresh = hashesAfter.filter((h) => !hashesBefore.includes(h));
    expect(pods.map((p) => p.metadata.labels['pod-template-hash'])).toEqual(fresh);
  }, 360_000);

  it('with a changed chaos value updates the ConfigMap and leaves every pod template as it was', async () => {
    const before = await templates();
    await upgrade('services.payment.chaos.config.timeoutMs=1234');
    const chaos = await ok(
      cp.api('GET', `/api/v1/namespaces/${namespace}/configmaps/${component('payment')}-chaos`),
      'chaos ConfigMap',
    );
    expect(JSON.parse(chaos.data['chaos.json'] as string)).toMatchObject({ timeoutMs: 1234 });
    expect(await templates()).toEqual(before);
  }, 360_000);
});
