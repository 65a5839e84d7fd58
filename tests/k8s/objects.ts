/**
 * Objects in the harness's API server (tests/k8s/control-plane.ts): parse manifests, find where the
 * API server serves a kind, create objects with strict field validation, and give each claim a
 * PersistentVolume (the harness has no provisioner; kwok mounts nothing), and kubeconfigs that act
 * as a ServiceAccount.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@fake-stripe/kernel/testing';
import { parseAllDocuments } from 'yaml';
import type { ApiReply, ControlPlane } from './control-plane.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects of every kind
export type K8sObject = Record<string, any>;

/** The objects of a multi-document YAML text (helm template's output, a manifest file), read as
 * YAML 1.1 like kubectl and helm read it (`defaultMode: 0555` is octal there, 555 in YAML 1.2). */
export const documents = (text: string): K8sObject[] =>
  parseAllDocuments(text, { version: '1.1' })
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);

/** The reply's body when its status is one of `status`; else an error naming `what`. */
export async function ok(reply: Promise<ApiReply>, what: string, status = [200, 201]): Promise<K8sObject> {
  const r = await reply;
  if (!status.includes(r.status)) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body as K8sObject;
}

type Resource = { name: string; kind: string; namespaced: boolean };
const discovered = new WeakMap<ControlPlane, Map<string, Resource[]>>();

/** Where the API server serves an object's kind: its resource's collection URL (from discovery). */
export async function collection(cp: ControlPlane, o: K8sObject, namespace: string): Promise<string> {
  const apiVersion = o.apiVersion as string;
  const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  const cache = discovered.get(cp) ?? new Map<string, Resource[]>();
  discovered.set(cp, cache);
  if (!cache.has(base)) cache.set(base, (await ok(cp.api('GET', base), `discovery of ${base}`)).resources);
  const resource = (cache.get(base) ?? []).find((r) => r.kind === o.kind && !r.name.includes('/'));
  if (!resource) throw new Error(`the API server serves no ${o.kind} in ${apiVersion}`);
  return resource.namespaced ? `${base}/namespaces/${namespace}/${resource.name}` : `${base}/${resource.name}`;
}

export const createNamespace = (cp: ControlPlane, name: string): Promise<K8sObject> =>
  ok(
    cp.api('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
    `namespace ${name}`,
  );

/** A PersistentVolume bound in advance to the claim `claim` of `namespace`, of the size it asks for. */
export const persistentVolumeFor = (
  cp: ControlPlane,
  namespace: string,
  claim: string,
  spec: { storage: string; accessModes: string[]; storageClassName?: string },
): Promise<K8sObject> =>
  ok(
    cp.api('POST', '/api/v1/persistentvolumes', {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `${namespace}-${claim}` },
      spec: {
        capacity: { storage: spec.storage },
        accessModes: spec.accessModes,
        storageClassName: spec.storageClassName ?? '',
        persistentVolumeReclaimPolicy: 'Retain',
        claimRef: { namespace, name: claim },
        hostPath: { path: `/nonexistent/${namespace}/${claim}` },
      },
    }),
    `PersistentVolume for ${namespace}/${claim}`,
  );

/**
 * A kubeconfig file in `dir` holding a token of ServiceAccount `namespace/serviceAccount` (TokenRequest
 * API), to the API server at `server` (the harness's or a relay to it), trusting the harness's CA.
 */
export async function serviceAccountKubeconfig(
  cp: ControlPlane,
  options: { namespace: string; serviceAccount: string; server: string; dir: string },
): Promise<string> {
  const { namespace, serviceAccount, server } = options;
  const token = (
    await ok(
      cp.api('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      }),
      `a token of ${serviceAccount}`,
    )
  ).status.token as string;
  const admin = JSON.parse(readFileSync(cp.kubeconfig, 'utf8')) as {
    clusters: Array<{ cluster: { 'certificate-authority': string } }>;
  };
  const file = join(options.dir, `${serviceAccount}-${new URL(server).port}.kubeconfig`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'test',
          cluster: { server, 'certificate-authority': admin.clusters[0]!.cluster['certificate-authority'] },
        },
      ],
      users: [{ name: serviceAccount, user: { token } }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: serviceAccount } }],
      'current-context': 'test',
    }),
  );
  return file;
}

/** charts/fake-stripe's objects from `helm template`: the templates given, with each `--set` of `set`. */
export async function renderChart(options: {
  release: string;
  namespace: string;
  templates: string[];
  set: string[];
}): Promise<K8sObject[]> {
  const { stdout } = await promisify(execFile)(join(repoRoot, '.tools/bin/helm'), [
    'template',
    options.release,
    join(repoRoot, 'charts/fake-stripe'),
    '--namespace',
    options.namespace,
    ...options.templates.flatMap((t) => ['--show-only', `templates/${t}`]),
    ...options.set.flatMap((s) => ['--set', s]),
  ]);
  return documents(stdout);
}

/** Whether ServiceAccount `namespace/serviceAccount` may `verb` a `resource` (one by `name`, else any), as the API server decides. */
export async function serviceAccountMay(
  cp: ControlPlane,
  who: { namespace: string; serviceAccount: string },
  verb: string,
  resource: string,
  name?: string,
): Promise<boolean> {
  const { namespace } = who;
  const review = await ok(
    cp.api('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: `system:serviceaccount:${namespace}:${who.serviceAccount}`,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
        resourceAttributes: { namespace, verb, resource, ...(name && { name }) },
      },
    }),
    'SubjectAccessReview',
  );
  return review.status.allowed === true;
}
