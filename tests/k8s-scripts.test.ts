/**
 * The kind scripts under tools/k8s/ and the Tiltfile's chaos buttons run for real, with the
 * project's kubectl and helm, against the control-plane harness (tests/k8s/control-plane.ts) posing
 * as the cluster: a kubeconfig whose context is named kind-fake-stripe, the only one the scripts use.
 * What kind itself does (the
 * cluster, image loading, port-forwards to pods) is not here: kwok's pods are not reachable, and
 * nothing is ever sent to them.
 *
 *   - tilt-helm.sh, the Tiltfile's helm_release: installs a chart archive as a Helm release (--wait)
 *     and prints the live objects for Tilt; deletes it;
 *   - dev-tokens.sh, run by the Tiltfile at load: the tokens' Secret, made once;
 *   - make chaos preset=..., the chaos buttons: each ConfigMap patched with its service's document,
 *     through the kind context even when kubectl's current one is another cluster;
 *   - deploy.sh: refuses to start without the pulled charts, before building anything.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chaosServices } from '@fake-stripe/kernel/local-stack';
import { freePort, repoRoot, tempDir } from '@fake-stripe/kernel/testing';
import { parse, stringify } from 'yaml';
import { chaosPresets } from '../tools/chaos.ts';
import { startControlPlane } from './k8s/control-plane.ts';
import type { ControlPlane } from './k8s/control-plane.ts';
import { documents, ok, persistentVolumeFor } from './k8s/objects.ts';
import type { K8sObject } from './k8s/objects.ts';

const exec = promisify(execFile);
const NAMESPACE = 'fake-stripe';
const tmp = tempDir('fake-stripe-k8s-scripts-');
let cp: ControlPlane;
let env: NodeJS.ProcessEnv;

/** A script's run: its output, or its failure with its output. */
async function run(
  command: string,
  args: string[] = [],
  more: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(command, args, {
      cwd: repoRoot,
      env: { ...env, ...more },
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
const get = (path: string): Promise<K8sObject> => ok(cp.api('GET', path), path);

beforeAll(async () => {
  cp = await startControlPlane();
  // The harness's admin kubeconfig, its context renamed to the kind cluster's.
  const config = JSON.parse(readFileSync(cp.kubeconfig, 'utf8')) as K8sObject;
  config.contexts[0].name = 'kind-fake-stripe';
  config['current-context'] = 'kind-fake-stripe';
  const kubeconfig = join(tmp.dir, 'kubeconfig');
  writeFileSync(kubeconfig, JSON.stringify(config));
  env = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    // An empty charts folder: a laptop's pulled archives must not make deploy.sh go on here.
    FAKE_STRIPE_CHARTS_DIR: join(tmp.dir, 'charts'),
    PATH: `${join(repoRoot, '.tools/bin')}:${join(repoRoot, '.tools/node/bin')}:${process.env.PATH}`,
  };
}, 120_000);
afterAll(async () => {
  await cp?.stop();
  tmp.remove();
});

describe('tools/k8s/dev-tokens.sh (the Tiltfile runs it at load)', () => {
  it('creates the tokens Secret with the chart key names once, and keeps it on the next run', async () => {
    const first = await run('tools/k8s/dev-tokens.sh');
    expect(first).toMatchObject({ code: 0 });
    const secret = await get(`/api/v1/namespaces/${NAMESPACE}/secrets/fake-stripe-dev-tokens`);
    const keys = parse(readFileSync(join(repoRoot, 'charts/fake-stripe/values.yaml'), 'utf8')).auth.keys as Record<
      string,
      string
    >;
    expect(Object.keys(secret.data).sort()).toEqual(Object.values(keys).sort());
    for (const v of Object.values(secret.data as Record<string, string>))
      expect(Buffer.from(v, 'base64').toString()).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(await run('tools/k8s/dev-tokens.sh')).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await get(`/api/v1/namespaces/${NAMESPACE}/secrets/fake-stripe-dev-tokens`)).data).toEqual(secret.data);
  }, 60_000);
});

describe("tools/k8s/tilt-helm.sh (the Tiltfile's helm_release)", () => {
  let archive: string;
  let values: string;
  beforeAll(async () => {
    // Our chart as a pulled archive stands in for a third-party one; its values as in kind, minus the
    // PodMonitors (no monitoring CRDs here) and with the tokens from dev-tokens.sh.
    const packaged = await run('helm', ['package', 'charts/fake-stripe', '--destination', tmp.dir]);
    expect(packaged.code).toBe(0);
    archive = join(tmp.dir, 'fake-stripe-0.1.0.tgz');
    const kindValues = parse(readFileSync(join(repoRoot, 'k8s/fake-stripe-values.yaml'), 'utf8')) as K8sObject;
    values = join(tmp.dir, 'values.yaml');
    writeFileSync(
      values,
      stringify({ ...kindValues, monitoring: { enabled: false }, auth: { existingSecret: 'fake-stripe-dev-tokens' } }),
    );
    const rendered = documents((await run('helm', ['template', 'fake-stripe', archive, '-f', values])).stdout);
    for (const pvc of rendered.filter((o) => o.kind === 'PersistentVolumeClaim'))
      await persistentVolumeFor(cp, NAMESPACE, pvc.metadata.name as string, {
        storage: pvc.spec.resources.requests.storage,
        accessModes: pvc.spec.accessModes,
      });
  }, 60_000);

  it('installs the archive as a release (--wait) and prints the live objects for Tilt to watch', async () => {
    const applied = await run('tools/k8s/tilt-helm.sh', ['apply', 'fake-stripe', archive, NAMESPACE, values, '3m']);
    expect({ code: applied.code, stderr: applied.code ? applied.stderr : '' }).toEqual({ code: 0, stderr: '' });
    const printed = documents(applied.stdout).flatMap((o) => (o.kind === 'List' ? (o.items as K8sObject[]) : [o]));
    const api = printed.find((o) => o.kind === 'Deployment' && o.metadata.name === 'fake-stripe-api');
    // Live objects, as the API server has them (a uid, a status), not the rendered ones.
    expect(api?.metadata.uid).toEqual(expect.any(String));
    expect(api?.status.readyReplicas).toBe(1);
    expect(printed.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')).toHaveLength(8);
    const releases = JSON.parse(
      (await run('helm', ['--kube-context', 'kind-fake-stripe', 'list', '-n', NAMESPACE, '-o', 'json'])).stdout,
    ) as K8sObject[];
    expect(releases.map((r) => [r.name, r.status])).toEqual([['fake-stripe', 'deployed']]);
  }, 240_000);

  it("patches every chaos ConfigMap with the preset's document (make chaos preset=, the chaos buttons), through the kind context", async () => {
    // kubectl's current context is another cluster (nothing listens there): only context= reaches the harness.
    const config = JSON.parse(readFileSync(env.KUBECONFIG!, 'utf8')) as K8sObject;
    const nowhere = `https://127.0.0.1:${await freePort()}`;
    config.clusters.push({ name: 'elsewhere', cluster: { server: nowhere } });
    config.contexts.push({
      name: 'elsewhere',
      context: { cluster: 'elsewhere', user: config.contexts[0].context.user },
    });
    config['current-context'] = 'elsewhere';
    const elsewhere = join(tmp.dir, 'kubeconfig-elsewhere');
    writeFileSync(elsewhere, JSON.stringify(config));
    const button = [
      'chaos',
      'preset=fast',
      'context=kind-fake-stripe',
      `namespace=${NAMESPACE}`,
      'release=fake-stripe',
    ];

    const patched = await run('make', ['-s', ...button], { KUBECONFIG: elsewhere });
    expect({ code: patched.code, stderr: patched.stderr }).toEqual({ code: 0, stderr: '' });
    for (const s of chaosServices) {
      const cm = await get(`/api/v1/namespaces/${NAMESPACE}/configmaps/fake-stripe-${s}-chaos`);
      expect([s, JSON.parse(cm.data['chaos.json'] as string)]).toEqual([s, chaosPresets.fast(s)]);
      expect(patched.stdout).toContain(
        `${NAMESPACE}/fake-stripe-${s}-chaos: preset fast, resourceVersion ${cm.metadata.resourceVersion}`,
      );
    }
    // Without context=, the current context's cluster is the one asked: nothing listens there, a clear error.
    const current = await run('make', ['-s', ...button.filter((a) => !a.startsWith('context='))], {
      KUBECONFIG: elsewhere,
    });
    expect(current.code).not.toBe(0);
    expect(current.stderr).toContain(
      `make chaos: listing the chaos ConfigMaps in namespace fake-stripe, release fake-stripe (context elsewhere, ${nowhere}): fetch failed: connect ECONNREFUSED`,
    );
  }, 60_000);

  it('uninstalls the release on delete', async () => {
    const deleted = await run('tools/k8s/tilt-helm.sh', ['delete', 'fake-stripe', archive, NAMESPACE]);
    expect(deleted.code).toBe(0);
    expect((await cp.api('GET', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments/fake-stripe-api`)).status).toBe(404);
  }, 120_000);
});

describe('tools/k8s/deploy.sh (make k8s-deploy)', () => {
  it('stops before building anything when the third-party charts were not pulled, and says what to run', async () => {
    const deployed = await run('tools/k8s/deploy.sh');
    expect(deployed.code).not.toBe(0);
    expect(deployed.stderr).toMatch(/make charts first/);
    expect(deployed.stdout).not.toMatch(/docker build|temporal/);
  }, 60_000);
});
