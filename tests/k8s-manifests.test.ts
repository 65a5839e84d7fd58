/**
 * What runs beside our chart in kind (k8s/postgres.yaml, k8s/temporal-dev.yaml, k8s/jaeger.yaml),
 * applied to a real API server (tests/k8s/control-plane.ts) with strict field validation, and our
 * chart installed beside them with k8s/fake-stripe-values.yaml. kwok plays the node: it marks pods
 * Running and Ready without running a container, so "ready" here proves the objects are valid, their
 * claims bind, their Services select their pods; not that the images start. That last part is
 * proven for the dev-mode Temporal by running its command line as a local process with the
 * project's own Temporal CLI (the same flags, its listen IP 127.0.0.1 and its ports free ones).
 *
 * Only the API server on 127.0.0.1 and the local process are ever contacted: pod and Service IPs are
 * kwok's fake addresses.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { temporalDynamicConfig, temporalSqlitePragmas } from '@fake-stripe/kernel';
import { eventually, freePort, repoRoot, tempDir } from '@fake-stripe/kernel/testing';
import { searchAttributes } from '@fake-stripe/kernel/workflow-definitions';
import { startControlPlane } from './k8s/control-plane.ts';
import type { ControlPlane } from './k8s/control-plane.ts';
import { collection, createNamespace, documents, ok, persistentVolumeFor } from './k8s/objects.ts';
import type { K8sObject } from './k8s/objects.ts';

const run = promisify(execFile);
const HELM = join(repoRoot, '.tools/bin/helm');
const TEMPORAL = join(repoRoot, '.tools/bin/temporal');
/** The namespace make k8s-deploy and the Tiltfile use. */
const NAMESPACE = 'fake-stripe';
const manifests = ['postgres.yaml', 'temporal-dev.yaml', 'jaeger.yaml'];
const manifest = (file: string): K8sObject[] => documents(readFileSync(join(repoRoot, 'k8s', file), 'utf8'));

let cp: ControlPlane;
beforeAll(async () => {
  cp = await startControlPlane();
  await createNamespace(cp, NAMESPACE);
}, 120_000);
afterAll(async () => cp?.stop());

/** The claims an object makes: a PersistentVolumeClaim, or a StatefulSet's per-pod claims. */
function claims(o: K8sObject): { name: string; storage: string; accessModes: string[] }[] {
  const claim = (name: string, spec: K8sObject) => ({
    name,
    storage: spec.resources.requests.storage as string,
    accessModes: spec.accessModes as string[],
  });
  if (o.kind === 'PersistentVolumeClaim') return [claim(o.metadata.name, o.spec)];
  if (o.kind !== 'StatefulSet') return [];
  return (o.spec.volumeClaimTemplates ?? []).flatMap((t: K8sObject) =>
    Array.from({ length: o.spec.replicas as number }, (_, i) =>
      claim(`${t.metadata.name}-${o.metadata.name}-${i}`, t.spec),
    ),
  );
}

const list = async (path: string): Promise<K8sObject[]> => (await ok(cp.api('GET', path), path)).items;

describe('k8s/ manifests in a real API server', () => {
  it('accepts every object of postgres.yaml, temporal-dev.yaml and jaeger.yaml with strict field validation', async () => {
    const refused: string[] = [];
    for (const file of manifests)
      for (const o of manifest(file)) {
        for (const c of claims(o)) await persistentVolumeFor(cp, NAMESPACE, c.name, c);
        const r = await cp.api('POST', `${await collection(cp, o, NAMESPACE)}?fieldValidation=Strict`, o);
        if (r.status !== 201) refused.push(`${file} ${o.kind}/${o.metadata.name}: ${r.status} ${r.body?.message}`);
      }
    expect(refused).toEqual([]);
  });

  it('refuses a manifest object with an unknown field (the check can fail)', async () => {
    const deployment = structuredClone(manifest('jaeger.yaml').find((o) => o.kind === 'Deployment'));
    expect(deployment).toBeDefined();
    deployment!.spec.template.spec.containers[0].listenHost = '0.0.0.0';
    const url = `${await collection(cp, deployment!, NAMESPACE)}?fieldValidation=Strict&dryRun=All`;
    const r = await cp.api('POST', url, deployment);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('unknown field "spec.template.spec.containers[0].listenHost"');
  });

  it('turns their workloads ready (kwok), binds their claims, and each Service selects ready pods', async () => {
    const objects = manifests.flatMap(manifest);
    const workloads = objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
    expect(workloads.map((w) => `${w.kind}/${w.metadata.name}`).sort()).toEqual([
      'Deployment/jaeger',
      'Deployment/temporal-dev',
      'StatefulSet/postgres',
    ]);
    const ns = `/namespaces/${NAMESPACE}`;
    // A list's items carry no kind: each is named by the list it came from.
    const notReady = async (): Promise<string[]> => {
      const ready = new Map<string, number | undefined>();
      for (const kind of ['Deployment', 'StatefulSet'])
        for (const l of await list(`/apis/apps/v1${ns}/${kind.toLowerCase()}s`))
          ready.set(`${kind}/${l.metadata.name}`, l.status.readyReplicas);
      return workloads
        .map((w) => `${w.kind}/${w.metadata.name}`)
        .filter((name, i) => ready.get(name) !== workloads[i]!.spec.replicas);
    };
    await eventually(async () => (await notReady()).length === 0, 'postgres, temporal-dev and jaeger ready', {
      timeoutMs: 60_000,
      intervalMs: 250,
    }).catch(async (err: Error) => {
      throw new Error(`${err.message}; not ready: ${(await notReady()).join(', ')}`, { cause: err });
    });
    const claimNames = objects.flatMap(claims).map((c) => c.name);
    expect(claimNames.sort()).toEqual(['data-postgres-0', 'temporal-dev-data']);
    for (const c of await list(`/api/v1${ns}/persistentvolumeclaims`))
      expect([c.metadata.name, c.status.phase]).toEqual([c.metadata.name, 'Bound']);

    const services = objects.filter((o) => o.kind === 'Service').map((s) => s.metadata.name as string);
    expect(services.sort()).toEqual(['jaeger', 'postgres', 'temporal-frontend', 'temporal-web']);
    await eventually(
      async () => {
        const slices = await list(`/apis/discovery.k8s.io/v1${ns}/endpointslices`);
        return services.every((name) =>
          slices.some(
            (s) =>
              s.metadata.labels?.['kubernetes.io/service-name'] === name &&
              (s.endpoints ?? []).some((e: K8sObject) => e.conditions?.ready === true),
          ),
        );
      },
      'an EndpointSlice with a ready pod for each Service',
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  }, 120_000);

  it('installs our chart beside them with k8s/fake-stripe-values.yaml (--wait; monitoring off: no PodMonitor CRD here)', async () => {
    const chart = join(repoRoot, 'charts/fake-stripe');
    const args = [
      '--namespace',
      NAMESPACE,
      '--values',
      join(repoRoot, 'k8s/fake-stripe-values.yaml'),
      '--set',
      'monitoring.enabled=false',
    ];
    const env = { ...process.env, KUBECONFIG: cp.kubeconfig };
    const { stdout } = await run(HELM, ['template', 'fake-stripe', chart, ...args], { env, maxBuffer: 64 << 20 });
    for (const pvc of documents(stdout).filter((o) => o.kind === 'PersistentVolumeClaim'))
      await persistentVolumeFor(cp, NAMESPACE, pvc.metadata.name, {
        storage: pvc.spec.resources.requests.storage,
        accessModes: pvc.spec.accessModes,
      });
    await run(HELM, ['install', 'fake-stripe', chart, ...args, '--wait', '--timeout', '3m'], { env });
    const api = await ok(cp.api('GET', `/api/v1/namespaces/${NAMESPACE}/services/fake-stripe-api`), 'api Service');
    expect({ type: api.spec.type, ports: api.spec.ports }).toEqual({
      type: 'NodePort',
      ports: [{ name: 'http', port: 3002, targetPort: 'http', protocol: 'TCP', nodePort: 30002 }],
    });
    const chaos = await ok(
      cp.api('GET', `/api/v1/namespaces/${NAMESPACE}/configmaps/fake-stripe-payment-chaos`),
      'chaos',
    );
    expect(JSON.parse(chaos.data['chaos.json'] as string)).toMatchObject({ profile: 'default' });
  }, 240_000);
});

describe("k8s/temporal-dev.yaml's command line, run for real with the project's Temporal CLI", () => {
  const container = manifest('temporal-dev.yaml').find((o) => o.kind === 'Deployment')!.spec.template.spec
    .containers[0];
  const args = container.args as string[];
  let server: ChildProcess | undefined;
  const data = tempDir('fake-stripe-temporal-dev-');
  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((res) => server!.once('exit', res));
      server.kill('SIGTERM');
      await exited;
    }
    data.remove();
  });

  /** The manifest's value of a flag, which must be there. */
  const flag = (name: string): string => {
    const i = args.indexOf(name);
    if (i < 0 || i + 1 >= args.length) throw new Error(`temporal-dev.yaml has no ${name} <value>`);
    return args[i + 1]!;
  };

  it('listens on every interface of the pod, on the ports its Services target', () => {
    expect(args.slice(0, 2)).toEqual(['server', 'start-dev']);
    expect(flag('--ip')).toBe('0.0.0.0');
    const ports = Object.fromEntries((container.ports as K8sObject[]).map((p) => [p.name, String(p.containerPort)]));
    expect({ rpc: flag('--port'), http: flag('--ui-port'), metrics: flag('--metrics-port') }).toEqual(ports);
    expect(
      flag('--db-filename').startsWith(container.volumeMounts.find((m: K8sObject) => m.name === 'data').mountPath),
    ).toBe(true);
  });

  /** Every value the manifest gives a repeatable flag. */
  const values = (name: string): string[] => args.flatMap((a, i) => (i > 0 && args[i - 1] === name ? [a] : []));

  it('runs Temporal as the local stack does: its SQLite pragmas, its dynamic config, our search attributes', () => {
    expect(values('--sqlite-pragma')).toEqual([...temporalSqlitePragmas]);
    expect(values('--dynamic-config-value')).toEqual([...temporalDynamicConfig]);
    expect(values('--search-attribute')).toEqual(Object.entries(searchAttributes).map(([k, t]) => `${k}=${t}`));
  });

  it('serves the default namespace, the Web UI and metrics, and keeps its SQLite file', async () => {
    const [port, ui, metrics] = [await freePort(), await freePort(), await freePort()];
    const local: Record<string, string> = {
      '--ip': '127.0.0.1',
      '--port': String(port),
      '--ui-port': String(ui),
      '--metrics-port': String(metrics),
      '--db-filename': join(data.dir, 'temporal.db'),
    };
    // The manifest's own arguments, only the listen IP, the ports and the file's path replaced.
    const localArgs = args.map((a, i) => (i > 0 && args[i - 1]! in local ? local[args[i - 1]!]! : a));
    expect(localArgs.filter((a, i) => a !== args[i])).toHaveLength(Object.keys(local).length);
    server = spawn(TEMPORAL, localArgs, { stdio: 'ignore' });
    const address = `127.0.0.1:${port}`;
    const described = await eventually(
      async () => {
        if (server!.exitCode !== null) throw new Error(`temporal exited (${server!.exitCode})`);
        try {
          const { stdout } = await run(TEMPORAL, [
            'operator',
            'namespace',
            'describe',
            'default',
            '--address',
            address,
            '-o',
            'json',
          ]);
          return JSON.parse(stdout) as K8sObject;
        } catch {
          return undefined;
        }
      },
      'temporal operator namespace describe default',
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(described.namespaceInfo.name).toBe('default');
    // The search attributes are there from the start, and the file is in write-ahead-log mode.
    const { stdout: listed } = await run(TEMPORAL, ['operator', 'search-attribute', 'list', '--address', address]);
    for (const [key, type] of Object.entries(searchAttributes))
      expect(listed).toMatch(new RegExp(`^\\s*${key}\\s+${type}\\s*$`, 'm'));
    expect(existsSync(join(data.dir, 'temporal.db-wal'))).toBe(true);
    expect((await fetch(`http://127.0.0.1:${ui}/`)).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text()).toMatch(/^# (HELP|TYPE) /m);
    expect(existsSync(join(data.dir, 'temporal.db'))).toBe(true);
  }, 90_000);
});
