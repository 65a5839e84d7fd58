/**
 * The Tiltfile evaluated by a real Tilt: v0.34.0, built by `make setup` from the wrapper module
 * tools/k8s/tilt. `tilt alpha tiltfile-result` loads the Tiltfile as `tilt up` does (Starlark, Tilt's
 * own built-ins, `helm template` of our chart) and prints what Tilt made of it as JSON: its
 * manifests, each with its image builds, Kubernetes YAML or custom deploy, dependencies, labels,
 * port-forwards and links. It builds, pushes and deploys nothing.
 *
 * Its cluster is the control-plane harness (tests/k8s/control-plane.ts), through a kubeconfig named
 * as kind writes it (cluster, user and context `kind-fake-stripe`, the Tiltfile's allow_k8s_contexts).
 * Loading a Tiltfile reads the kubeconfig and does not call the API server (under strace: no
 * connection at all); only 127.0.0.1 is ever reachable anyway: proxies point at a closed loopback
 * port, analytics are off and sent nowhere, Docker's socket is a missing file in a temp dir, HOME
 * is a temp dir.
 *
 * What this Tilt cannot show, tests/tiltfile.test.ts (tests/tilt/evaluate.py) still checks: the
 * `tilt up`/`tilt ci` branches (config.tilt_subcommand is "alpha tiltfile-result" here, so neither the
 * load-time dev-tokens.sh nor the ci-scenario resource appears) and k8s_custom_deploy's deps (not in
 * the JSON).
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { platformServices } from '@fake-stripe/kernel/local-stack';
import { repoRoot, tempDir } from '@fake-stripe/kernel/testing';
import { archive, pinnedCharts } from '../tools/k8s/charts.ts';
import { chaosPresets } from '../tools/chaos.ts';
import { startControlPlane } from './k8s/control-plane.ts';
import type { ControlPlane } from './k8s/control-plane.ts';
import { documents } from './k8s/objects.ts';
import type { K8sObject } from './k8s/objects.ts';

const exec = promisify(execFile);
const TILT = join(repoRoot, '.tools/bin/tilt');
const CONTEXT = 'kind-fake-stripe';
const SERVICES: readonly string[] = platformServices;
const DOMAINS = ['payment', 'inventory', 'shipping', 'notification', 'public-apis'];
/** The services with a ledger: a StatefulSet each. */
const LEDGERS = ['payment', 'inventory', 'shipping', 'notification'];
const SCENARIOS = ['happy', 'approval', 'reject', 'cancel', 'timeout', 'compensation', 'chaos'];

/** The parts of tiltfile-result's JSON (Tilt's model.Manifest) asserted on. */
interface Cmd {
  args: string[];
  dir: string;
}
interface ImageTarget {
  selector: string;
  LiveUpdateSpec: {
    basePath: string;
    stopPaths: string[];
    syncs: { localPath: string; containerPath: string }[];
  };
  BuildDetails: {
    context: string;
    dockerfileContents: string;
    args: string[];
    target: string;
    contextIgnores: { basePath: string; patterns?: string[] }[];
  };
}
interface Manifest {
  Name: string;
  ImageTargets: ImageTarget[] | null;
  DeployTarget: {
    // Kubernetes YAML (k8s_yaml + k8s_resource)
    yaml?: string;
    imageMaps?: string[];
    portForwardTemplateSpec?: { forwards: { localPort: number; containerPort: number; host: string; name: string }[] };
    Links?: { URL: { Scheme: string; Host: string; Path: string }; Name: string }[] | null;
    // k8s_custom_deploy
    applyCmd?: Cmd;
    deleteCmd?: Cmd;
    // local_resource
    UpdateCmdSpec?: Cmd;
  };
  TriggerMode: number;
  ResourceDependencies: string[] | null;
  Labels: Record<string, string> | null;
}
interface Result {
  Manifests: Manifest[];
  EnabledManifests: string[];
}

/** Tilt's model.TriggerMode: 0 auto, 1 manual with auto init, 2 manual, 3 auto with manual init. */
const TRIGGER_MODE_MANUAL = 2;

const tmp = tempDir('fake-stripe-tilt-');
let cp: ControlPlane;
let kubeconfig: string;

/** The harness's admin kubeconfig, with kind's names for its cluster, user and context. */
function kindKubeconfig(name: string): string {
  const config = JSON.parse(readFileSync(cp.kubeconfig, 'utf8')) as K8sObject;
  config.clusters[0].name = name;
  config.users[0].name = name;
  config.contexts[0] = { name, context: { cluster: name, user: name } };
  config['current-context'] = name;
  const file = join(tmp.dir, `${name}.kubeconfig`);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

/** `tilt alpha tiltfile-result` of the repository's Tiltfile: exit code, JSON (on 0), stderr. */
async function tiltfileResult(
  env: Record<string, string> = {},
  config = kubeconfig,
): Promise<{ code: number; result?: Result; stderr: string }> {
  const loopback = 'http://127.0.0.1:9'; // the discard port: nothing listens
  try {
    const { stdout, stderr } = await exec(TILT, ['alpha', 'tiltfile-result', '-f', 'Tiltfile'], {
      cwd: repoRoot,
      maxBuffer: 64 << 20,
      env: {
        PATH: `${join(repoRoot, '.tools/bin')}:${join(repoRoot, '.tools/node/bin')}:${process.env.PATH}`,
        HOME: tmp.dir,
        KUBECONFIG: config,
        TILT_DISABLE_ANALYTICS: '1',
        TILT_ANALYTICS_URL: loopback,
        HTTP_PROXY: loopback,
        HTTPS_PROXY: loopback,
        NO_PROXY: '127.0.0.1,localhost',
        DOCKER_HOST: `unix://${join(tmp.dir, 'no-docker.sock')}`,
        ...env,
      },
    });
    return { code: 0, result: JSON.parse(stdout) as Result, stderr };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stderr: e.stderr ?? String(err) };
  }
}

let up: Result;
let dev: Result;
beforeAll(async () => {
  if (!existsSync(TILT)) throw new Error(`${TILT} is missing: run make setup (it builds Tilt from tools/k8s/tilt)`);
  cp = await startControlPlane();
  kubeconfig = kindKubeconfig(CONTEXT);
  const [chart, devMode] = await Promise.all([
    tiltfileResult({ TEMPORAL_MODE: 'chart' }),
    tiltfileResult({ TEMPORAL_MODE: 'dev' }),
  ]);
  for (const r of [chart, devMode])
    if (r.code !== 0) throw new Error(`tilt alpha tiltfile-result: exit ${r.code}\n${r.stderr}`);
  [up, dev] = [chart.result!, devMode.result!];
}, 120_000);
afterAll(async () => {
  await cp?.stop();
  tmp.remove();
});

const manifest = (r: Result, name: string): Manifest => {
  const m = r.Manifests.find((x) => x.Name === name);
  if (!m) throw new Error(`Tilt made no resource ${name}: ${r.Manifests.map((x) => x.Name).join(', ')}`);
  return m;
};
const objects = (m: Manifest): K8sObject[] => documents(m.DeployTarget.yaml ?? '');
const selector = (o: K8sObject): string => `${o.metadata.name}:${(o.kind as string).toLowerCase()}`;
const isWorkload = (o: K8sObject): boolean => o.kind === 'Deployment' || o.kind === 'StatefulSet';

describe('tilt alpha tiltfile-result (Tilt v0.34.0) of the Tiltfile', () => {
  it('is this Tilt, whose version the Tiltfile accepts (version_settings), on the kind context only', async () => {
    const { stdout } = await exec(TILT, ['version']);
    expect(stdout).toMatch(/^v0\.34\.0,/);
    // The same cluster under another context name: Tilt refuses it (allow_k8s_contexts).
    const prod = await tiltfileResult({}, kindKubeconfig('prod'));
    expect([prod.code, prod.stderr]).toEqual([5, expect.stringContaining('Stop! prod might be production')]);
  }, 30_000);

  it('refuses a TEMPORAL_MODE other than chart or dev, naming it', async () => {
    const bad = await tiltfileResult({ TEMPORAL_MODE: 'memory' });
    expect([bad.code, bad.stderr]).toEqual([5, expect.stringContaining('TEMPORAL_MODE is chart or dev, not memory')]);
  }, 30_000);

  it('makes exactly these resources, all enabled, with these labels and dependencies', () => {
    const chaos = Object.keys(chaosPresets);
    const buttons = [...SCENARIOS.map((s) => `scenario-${s}`), ...chaos.map((p) => `chaos-${p}`)];
    const expected = (temporal: 'chart' | 'dev'): Record<string, { labels: string[]; deps: string[] }> => ({
      namespace: { labels: ['platform'], deps: [] },
      ...(temporal === 'chart'
        ? {
            postgres: { labels: ['temporal'], deps: ['namespace'] },
            temporal: { labels: ['temporal'], deps: ['postgres'] },
          }
        : { temporal: { labels: ['temporal'], deps: ['namespace'] } }),
      'kube-prometheus-stack': { labels: ['observability'], deps: [] },
      jaeger: { labels: ['observability'], deps: ['namespace'] },
      'platform-config': { labels: ['platform'], deps: ['namespace'] },
      ...Object.fromEntries(
        SERVICES.map((s) => [
          s,
          { labels: ['platform'], deps: ['platform-config', ...(s === 'worker' || s === 'api' ? ['temporal'] : [])] },
        ]),
      ),
      monitors: { labels: ['observability'], deps: ['kube-prometheus-stack'] },
      ...Object.fromEntries(
        SCENARIOS.map((s) => [`scenario-${s}`, { labels: ['scenarios'], deps: ['api', 'worker'] }]),
      ),
      ...Object.fromEntries(chaos.map((p) => [`chaos-${p}`, { labels: ['scenarios'], deps: DOMAINS }])),
    });
    for (const [result, mode] of [
      [up, 'chart'],
      [dev, 'dev'],
    ] as const) {
      const actual = Object.fromEntries(
        result.Manifests.map((m) => [
          m.Name,
          { labels: Object.keys(m.Labels ?? {}).sort(), deps: m.ResourceDependencies ?? [] },
        ]),
      );
      expect(actual).toEqual(expected(mode));
      expect([...result.EnabledManifests].sort()).toEqual(result.Manifests.map((m) => m.Name).sort());
      expect(result.Manifests.map((m) => m.Name)).toEqual(expect.arrayContaining(buttons));
      // No `uncategorized` resource: every object the Tiltfile deploys belongs to one it named.
      expect(result.Manifests.map((m) => m.Name)).not.toContain('uncategorized');
    }
  });

  it("builds each service's dev image from services/Dockerfile, its context only the workspaces, live update syncing src/", () => {
    const dockerfile = readFileSync(join(repoRoot, 'services/Dockerfile'), 'utf8');
    const missing: string[] = [];
    for (const s of SERVICES) {
      const m = manifest(up, s);
      expect(m.ImageTargets).toHaveLength(1);
      const image = m.ImageTargets![0]!;
      const build = image.BuildDetails;
      expect({ selector: image.selector, context: build.context, args: build.args, target: build.target }).toEqual({
        selector: `fake-stripe/${s}`,
        context: repoRoot,
        args: [`SERVICE=${s}`],
        target: 'dev',
      });
      expect(build.dockerfileContents).toBe(dockerfile); // the file Tilt read is services/Dockerfile
      expect(dockerfile).toMatch(new RegExp(`^FROM \\S+ AS ${build.target}$`, 'm'));
      // docker_build(only=...): everything but these is left out of the context.
      expect(build.contextIgnores).toContainEqual({
        basePath: repoRoot,
        patterns: ['**', '!package.json', '!package-lock.json', '!.npmrc', '!services'],
      });
      const live = image.LiveUpdateSpec;
      expect(live.basePath).toBe(repoRoot);
      expect(live.syncs).toEqual([
        { localPath: `services/${s}/src`, containerPath: `/app/services/${s}/src` },
        { localPath: 'services/kernel/src', containerPath: '/app/services/kernel/src' },
      ]);
      expect(live.stopPaths).toEqual([
        'package.json',
        'package-lock.json',
        `services/${s}/package.json`,
        'services/kernel/package.json',
        ...(s === 'worker' ? ['services/worker/src/workflows'] : []),
      ]);
      for (const p of [...live.syncs.map((x) => x.localPath), ...live.stopPaths])
        if (!existsSync(join(repoRoot, p))) missing.push(p);
      // Tilt found the image in this resource's workload: the chart's image names match docker_build's.
      const containers = objects(m)
        .filter(isWorkload)
        .flatMap((o) => o.spec.template.spec.containers as K8sObject[]);
      expect(containers.map((c) => (c.image as string).split(':')[0])).toContain(`fake-stripe/${s}`);
      expect(m.DeployTarget.imageMaps).toEqual([`fake-stripe_${s}`]);
    }
    expect(missing).toEqual([]);
    // No other resource builds an image.
    const builders = up.Manifests.filter((m) => (m.ImageTargets ?? []).length > 0).map((m) => m.Name);
    expect(builders.sort()).toEqual([...SERVICES].sort());
  });

  it('puts each object in one resource: a workload with its Service, the rest of our chart in platform-config, the PodMonitors in monitors', () => {
    for (const result of [up, dev]) {
      const byResource = Object.fromEntries(
        result.Manifests.filter((m) => m.DeployTarget.yaml).map((m) => [m.Name, objects(m).map(selector).sort()]),
      );
      const all = Object.values(byResource).flat();
      expect(all.filter((o, i) => all.indexOf(o) !== i)).toEqual([]); // none twice
      expect(byResource.namespace).toEqual(['fake-stripe:namespace']);
      expect(byResource.jaeger).toEqual(['jaeger:deployment', 'jaeger:service']);
      for (const s of SERVICES) {
        const kind = LEDGERS.includes(s) ? 'statefulset' : 'deployment'; // a ledger keeps its SQLite file
        expect(byResource[s]).toEqual([`fake-stripe-${s}:${kind}`, `fake-stripe-${s}:service`].sort());
      }
      expect(byResource.monitors).toEqual(SERVICES.map((s) => `fake-stripe-${s}:podmonitor`).sort());
      const config = objects(manifest(result, 'platform-config'));
      expect(config.filter((o) => ['Deployment', 'StatefulSet', 'Service', 'PodMonitor'].includes(o.kind))).toEqual([]);
      expect(config.map((o) => o.kind)).toEqual(
        expect.arrayContaining(['ServiceAccount', 'ConfigMap', 'Role', 'RoleBinding']),
      );
      // Every namespaced object lands in the platform's namespace.
      for (const o of Object.keys(byResource).flatMap((n) => objects(manifest(result, n))))
        if (o.kind !== 'Namespace') expect([selector(o), o.metadata.namespace]).toEqual([selector(o), 'fake-stripe']);
    }
    const up_ = Object.fromEntries(up.Manifests.map((m) => [m.Name, objects(m).map(selector).sort()]));
    expect(up_.postgres).toEqual(['postgres:secret', 'postgres:service', 'postgres:statefulset']);
    const devTemporal = objects(manifest(dev, 'temporal')).map(selector).sort();
    expect(devTemporal).toEqual([
      'temporal-dev-data:persistentvolumeclaim',
      'temporal-dev:deployment',
      'temporal-frontend:service',
      'temporal-web:service',
    ]);
    expect(dev.Manifests.map((m) => m.Name)).not.toContain('postgres');
  });

  it('installs Temporal (chart mode) and kube-prometheus-stack as Helm releases of the pinned archives', () => {
    const releases = (r: Result): string[] => r.Manifests.filter((m) => m.DeployTarget.applyCmd).map((m) => m.Name);
    expect(releases(up).sort()).toEqual(['kube-prometheus-stack', 'temporal']);
    expect(releases(dev)).toEqual(['kube-prometheus-stack']);
    const namespaces: Record<string, string> = { temporal: 'fake-stripe', 'kube-prometheus-stack': 'monitoring' };
    for (const name of releases(up)) {
      const { applyCmd, deleteCmd } = manifest(up, name).DeployTarget;
      const pinned = pinnedCharts().find((c) => c.name === name)!;
      const chart = `.tools/charts/${pinned.name}-${pinned.version}.tgz`;
      // The archive `make charts` pulls (tools/k8s/charts.ts), relative to the repository.
      expect(join(repoRoot, chart)).toBe(archive(pinned));
      const [script, action, release, archiveArg, namespace, values, timeout] = applyCmd!.args;
      expect({ action, release, archiveArg, namespace, dir: applyCmd!.dir }).toEqual({
        action: 'apply',
        release: name,
        archiveArg: chart,
        namespace: namespaces[name],
        dir: repoRoot,
      });
      expect(timeout).toMatch(/^\d+m$/);
      expect(script).toBe('tools/k8s/tilt-helm.sh');
      accessSync(join(repoRoot, script!), constants.X_OK);
      expect(existsSync(join(repoRoot, values!))).toBe(true);
      expect(deleteCmd).toEqual({ args: [script, 'delete', name, chart, namespaces[name]], dir: repoRoot, env: null });
    }
  });

  it("forwards each service's own port to a port of its pods and Service, on localhost, never a port kind maps", () => {
    const expected: Record<string, number[]> = {
      payment: [3011],
      inventory: [3012],
      shipping: [3013],
      notification: [3014],
      'public-apis': [3015],
      'user-context': [3000],
      worker: [3010, 9464],
      api: [],
    };
    for (const s of SERVICES) {
      const m = manifest(up, s);
      const forwards = m.DeployTarget.portForwardTemplateSpec?.forwards ?? [];
      expect(forwards).toEqual(
        expected[s]!.map((p) => ({ localPort: p, containerPort: p, host: 'localhost', name: `${s} :${p}` })),
      );
      const objs = objects(m);
      const podPorts = objs
        .filter(isWorkload)
        .flatMap((o) => o.spec.template.spec.containers as K8sObject[])
        .flatMap((c) => ((c.ports ?? []) as K8sObject[]).map((p) => p.containerPort as number));
      const servicePorts = objs
        .filter((o) => o.kind === 'Service')
        .flatMap((o) => (o.spec.ports as K8sObject[]).map((p) => p.port as number));
      for (const f of forwards) {
        expect([s, f.containerPort, podPorts.includes(f.containerPort)]).toEqual([s, f.containerPort, true]);
        expect([s, f.containerPort, servicePorts.includes(f.containerPort)]).toEqual([s, f.containerPort, true]);
        expect([3002, 8080, 3300, 16686, 13002, 17233]).not.toContain(f.localPort);
      }
    }
    // Nothing else is forwarded (the UIs come through kind's port mappings; they are links).
    const others = up.Manifests.filter((m) => !SERVICES.includes(m.Name));
    expect(others.flatMap((m) => m.DeployTarget.portForwardTemplateSpec?.forwards ?? [])).toEqual([]);
  });

  it('links the API, Temporal, Grafana and Jaeger UIs on 127.0.0.1', () => {
    const links = Object.fromEntries(
      up.Manifests.filter((m) => (m.DeployTarget.Links ?? []).length > 0).map((m) => [
        m.Name,
        m.DeployTarget.Links!.map((l) => `${l.Name} ${l.URL.Scheme}://${l.URL.Host}${l.URL.Path}`),
      ]),
    );
    expect(links).toEqual({
      api: ['API (Swagger UI) http://127.0.0.1:3002/api/docs'],
      temporal: ['Temporal UI http://127.0.0.1:8080'],
      'kube-prometheus-stack': ['Grafana (admin / fake-stripe) http://127.0.0.1:3300'],
      jaeger: ['Jaeger UI http://127.0.0.1:16686'],
    });
    expect(manifest(dev, 'temporal').DeployTarget.Links?.map((l) => l.URL.Host)).toEqual(['127.0.0.1:8080']);
  });

  it('has a manual button per scenario (a real make target) and per chaos preset, none starting by itself', async () => {
    const buttons = up.Manifests.filter((m) => m.DeployTarget.UpdateCmdSpec);
    const commands = Object.fromEntries(buttons.map((m) => [m.Name, m.DeployTarget.UpdateCmdSpec!]));
    expect(commands).toEqual({
      ...Object.fromEntries(
        SCENARIOS.map((s) => [`scenario-${s}`, { args: ['sh', '-c', `make k8s-scenario-${s}`], dir: repoRoot }]),
      ),
      ...Object.fromEntries(
        Object.keys(chaosPresets).map((p) => [
          `chaos-${p}`,
          {
            args: [
              'sh',
              '-c',
              `make chaos preset=${p} context=kind-fake-stripe namespace=fake-stripe release=fake-stripe`,
            ],
            dir: repoRoot,
          },
        ]),
      ),
    });
    for (const b of buttons) expect([b.Name, b.TriggerMode]).toEqual([b.Name, TRIGGER_MODE_MANUAL]);
    // Not under this subcommand: the ci-scenario resource is `tilt ci`'s only.
    expect(up.Manifests.map((m) => m.Name)).not.toContain('ci-scenario');
    for (const s of SCENARIOS) {
      const { stdout } = await exec('make', ['-n', `k8s-scenario-${s}`], { cwd: repoRoot });
      expect(stdout).toMatch(/tools\/k8s\/scenario\.sh \w+/);
    }
  }, 60_000);
});
