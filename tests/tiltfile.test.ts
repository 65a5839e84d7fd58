/**
 * The Tiltfile's inputs. tests/tilt/evaluate.py runs the Tiltfile with Tilt's built-ins recording
 * what it asks for, with real inputs (helm template of our chart, the k8s/ files); a real Tilt loads
 * it in tests/k8s-tilt.test.ts, which cannot show the `tilt up`/`tilt ci` branches or
 * k8s_custom_deploy's deps: those are checked here. Checked: every path it builds or syncs exists and lands where the image keeps it;
 * every resource names an object really rendered; every port-forward reaches a Service's port;
 * every dependency and label is known; each button's command is a real make target (a chaos preset
 * is accepted by the real services, and its button targets the chaos ConfigMaps the Tiltfile deploys);
 * `tilt ci` runs a scenario and `tilt up` does not.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chaosServices, platformServices } from '@fake-stripe/kernel/local-stack';
import { repoRoot, spawnService, tempDir } from '@fake-stripe/kernel/testing';
import type { Spawned } from '@fake-stripe/kernel/testing';
import { parse } from 'yaml';
import { chaosPresets } from '../tools/chaos.ts';
import { archive, pinnedCharts } from '../tools/k8s/charts.ts';
import type { K8sObject } from './k8s/objects.ts';

const run = promisify(execFile);
const SERVICES: readonly string[] = platformServices;

interface Resource {
  workload: string;
  new_name: string;
  port_forwards: { local: number; container: number }[];
  resource_deps: string[];
  objects: string[];
  labels: string[];
}
interface Evaluated {
  version_settings: string[];
  allow_k8s_contexts: string[];
  docker_builds: {
    ref: string;
    context: string;
    dockerfile: string;
    target: string;
    build_args: Record<string, string>;
    only: string[];
    live_update: ({ sync: [string, string] } | { fall_back_on: string[] })[];
  }[];
  objects: K8sObject[];
  k8s_resources: Resource[];
  local_resources: { name: string; cmd: string; resource_deps: string[]; labels: string[]; auto_init: boolean }[];
  custom_deploys: { name: string; apply_cmd: string[]; delete_cmd: string[]; deps: string[] }[];
  local: string[];
}

async function evaluate(subcommand: 'up' | 'ci', mode: 'chart' | 'dev' = 'chart'): Promise<Evaluated> {
  const { stdout } = await run('python3', [join(repoRoot, 'tests/tilt/evaluate.py'), repoRoot, subcommand], {
    env: { ...process.env, TEMPORAL_MODE: mode },
    maxBuffer: 64 << 20,
  });
  return JSON.parse(stdout) as Evaluated;
}

const resourceName = (r: Resource): string => r.new_name || r.workload;
const selector = (o: K8sObject): string => `${o.metadata.name}:${(o.kind as string).toLowerCase()}`;
const isWorkload = (o: K8sObject): boolean => o.kind === 'Deployment' || o.kind === 'StatefulSet';

let up: Evaluated;
let dev: Evaluated;
let ci: Evaluated;
beforeAll(async () => {
  [up, dev, ci] = await Promise.all([evaluate('up'), evaluate('up', 'dev'), evaluate('ci')]);
}, 60_000);

describe('the Tiltfile', () => {
  it("allows only kind-config.yaml's cluster and pins Tilt's version", () => {
    const kind = parse(readFileSync(join(repoRoot, 'kind-config.yaml'), 'utf8')) as { name: string };
    expect(up.allow_k8s_contexts).toEqual([`kind-${kind.name}`]);
    expect(up.version_settings).toEqual([expect.stringMatching(/^>=0\.\d+\.\d+$/)]);
  });

  it("builds each service's dev image from paths that exist, syncing src/ where the image keeps it", () => {
    expect(up.docker_builds.map((b) => b.ref).sort()).toEqual(SERVICES.map((s) => `fake-stripe/${s}`).sort());
    const dockerfile = readFileSync(join(repoRoot, 'services/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^WORKDIR \/app\/services\/\$\{SERVICE\}$/m);
    const missing: string[] = [];
    const exists = (p: string): void => void (existsSync(join(repoRoot, p)) || missing.push(p));
    for (const b of up.docker_builds) {
      const service = b.ref.replace('fake-stripe/', '');
      expect({ service, target: b.target, args: b.build_args }).toEqual({
        service,
        target: 'dev',
        args: { SERVICE: service },
      });
      expect(dockerfile).toMatch(new RegExp(`^FROM \\S+ AS ${b.target}$`, 'm'));
      [b.context, b.dockerfile, ...b.only].forEach(exists);
      for (const step of b.live_update) {
        if ('fall_back_on' in step) step.fall_back_on.forEach(exists);
        else {
          const [local, remote] = step.sync;
          exists(local);
          expect(remote).toBe(`/app/${local}`); // the image copies services/ to /app/services/
          expect(b.only.some((o) => local.startsWith(o))).toBe(true); // and the build context has it
        }
      }
      expect(b.live_update[0]).toHaveProperty('fall_back_on'); // fall_back_on must come first
    }
    expect(missing).toEqual([]);
  });

  it('names as resources only objects really rendered (our chart by helm template, the k8s/ manifests)', () => {
    for (const e of [up, dev]) {
      const selectors = new Set(e.objects.map(selector));
      const workloads = new Set(e.objects.filter(isWorkload).map((o) => o.metadata.name as string));
      const custom = new Set(e.custom_deploys.map((d) => d.name));
      for (const r of e.k8s_resources) {
        if (r.workload)
          expect([r.workload, workloads.has(r.workload) || custom.has(r.workload)]).toEqual([r.workload, true]);
        for (const o of r.objects) expect([o, selectors.has(o)]).toEqual([o, true]);
      }
      // Every workload of our chart is a resource of its own, named by its service.
      const ours = e.k8s_resources.filter((r) => r.workload.startsWith('fake-stripe-'));
      expect(ours.map((r) => [r.workload, r.new_name]).sort()).toEqual(
        SERVICES.map((s) => [`fake-stripe-${s}`, s]).sort(),
      );
      // Every rendered object belongs to some resource: by workload, by selector, or as a workload's Service.
      const claimed = new Set(e.k8s_resources.flatMap((r) => r.objects));
      const orphans = e.objects.filter((o) => !isWorkload(o) && o.kind !== 'Service' && !claimed.has(selector(o)));
      expect(orphans.map(selector)).toEqual([]);
    }
  });

  it("forwards each port to a port of its workload's Service and pods", () => {
    const forwards = up.k8s_resources.flatMap((r) => r.port_forwards.map((p) => ({ workload: r.workload, ...p })));
    expect(forwards.length).toBeGreaterThanOrEqual(8);
    for (const f of forwards) {
      const workload = up.objects.find((o) => isWorkload(o) && o.metadata.name === f.workload);
      const service = up.objects.find((o) => o.kind === 'Service' && o.metadata.name === f.workload);
      const containerPorts = (workload?.spec.template.spec.containers ?? []).flatMap((c: K8sObject) =>
        (c.ports ?? []).map((p: K8sObject) => p.containerPort as number),
      );
      const servicePorts = (service?.spec.ports ?? []).map((p: K8sObject) => p.port as number);
      expect({ ...f, pod: containerPorts.includes(f.container), service: servicePorts.includes(f.container) }).toEqual({
        ...f,
        pod: true,
        service: true,
      });
    }
    // Never a local port kind-config.yaml already maps (3002, 8080, 3300, 16686) or the port-forwards of the scenarios use.
    for (const f of forwards) expect([3002, 8080, 3300, 16686, 13002, 17233]).not.toContain(f.local);
  });

  it('depends only on resources it defines, in order: postgres → temporal → worker and api; labels from the four groups', () => {
    for (const e of [up, dev, ci]) {
      const defined = new Set([...e.k8s_resources.map(resourceName), ...e.local_resources.map((l) => l.name)]);
      for (const d of [...e.k8s_resources, ...e.local_resources].flatMap((r) => r.resource_deps))
        expect([d, defined.has(d)]).toEqual([d, true]);
      for (const l of [...e.k8s_resources, ...e.local_resources].flatMap((r) => r.labels))
        expect(['platform', 'temporal', 'observability', 'scenarios']).toContain(l);
    }
    const deps = (e: Evaluated, name: string): string[] =>
      e.k8s_resources.find((r) => resourceName(r) === name)?.resource_deps ?? [];
    expect(deps(up, 'temporal')).toEqual(['postgres']);
    for (const s of ['worker', 'api']) {
      expect(deps(up, s)).toContain('temporal');
      expect(deps(dev, s)).toContain('temporal');
    }
    // Dev mode: one pod from k8s/temporal-dev.yaml, no PostgreSQL, no Temporal chart.
    expect(dev.k8s_resources.find((r) => resourceName(r) === 'temporal')?.workload).toBe('temporal-dev');
    expect(dev.k8s_resources.map(resourceName)).not.toContain('postgres');
    expect(dev.custom_deploys.map((d) => d.name)).toEqual(['kube-prometheus-stack']);
  });

  it('installs the third-party charts as Helm releases from the pinned archives, with values files that exist', () => {
    expect(up.custom_deploys.map((d) => d.name).sort()).toEqual(['kube-prometheus-stack', 'temporal']);
    for (const d of up.custom_deploys) {
      const [script, action, release, chart, , values] = d.apply_cmd;
      accessSync(join(repoRoot, script!), constants.X_OK);
      expect([action, release, d.delete_cmd.slice(0, 3)]).toEqual(['apply', d.name, [script, 'delete', d.name]]);
      const pinned = pinnedCharts().find((c) => archive(c) === join(repoRoot, chart!));
      expect(pinned?.name).toBe(d.name);
      expect(existsSync(join(repoRoot, values!))).toBe(true);
      expect(d.deps.sort()).toEqual([chart, values].sort());
    }
  });

  it("takes the tokens from the Secret its load-time script makes, since helm() cannot read the chart's back", () => {
    expect(up.local).toEqual(['tools/k8s/dev-tokens.sh']);
    accessSync(join(repoRoot, up.local[0]!), constants.X_OK);
    const script = readFileSync(join(repoRoot, up.local[0]!), 'utf8');
    const secret = /^SECRET=(\S+)$/m.exec(script)?.[1];
    const api = up.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'fake-stripe-api');
    const refs = (api?.spec.template.spec.containers[0].env as K8sObject[])
      .filter((e) => e.valueFrom?.secretKeyRef)
      .map((e) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key]);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const [name, ref, key] of refs) {
      expect([name, ref]).toEqual([name, secret]);
      expect(script).toContain(`--from-literal="${key}=`);
    }
    // The chart renders no tokens' Secret of its own then.
    expect(up.objects.filter((o) => o.kind === 'Secret').map((o) => o.metadata.name)).not.toContain(
      'fake-stripe-tokens',
    );
  });

  it('runs one scenario under `tilt ci` (failing the run when it fails), none under `tilt up`', () => {
    const scenario = ci.local_resources.find((l) => l.name === 'ci-scenario');
    expect(scenario).toMatchObject({ cmd: 'make k8s-scenario-happy', auto_init: true });
    expect(up.local_resources.map((l) => l.name)).not.toContain('ci-scenario');
    for (const l of up.local_resources) expect([l.name, l.auto_init]).toEqual([l.name, false]);
  });
});

describe("the Tiltfile's buttons", () => {
  const makeTargets = (): string[] =>
    up.local_resources.filter((l) => l.name.startsWith('scenario-')).map((l) => l.cmd);

  it('a button per scenario and per chaos preset', () => {
    const names = up.local_resources.map((l) => l.name);
    for (const s of ['happy', 'approval', 'reject', 'cancel', 'timeout', 'compensation', 'chaos'])
      expect(names).toContain(`scenario-${s}`);
    expect(names.filter((n) => n.startsWith('chaos-'))).toEqual(Object.keys(chaosPresets).map((p) => `chaos-${p}`));
  });

  it('each scenario button is a real make target (make -n) that runs the scenario CLI through the port-forwards', async () => {
    expect(makeTargets().length).toBe(7);
    for (const cmd of makeTargets()) expect(cmd).toMatch(/^make /);
    for (const cmd of [...makeTargets(), 'make k8s-scenario-happy']) {
      const { stdout } = await run('make', ['-n', ...cmd.split(' ').slice(1)], { cwd: repoRoot });
      expect(stdout).toMatch(/tools\/k8s\/scenario\.sh \w+/);
    }
    await expect(run('make', ['-n', 'k8s-scenario-nope'], { cwd: repoRoot })).rejects.toThrow(/No rule to make target/);
  });

  it("the chaos buttons wait for the chaos services (the Tiltfile's list is the kernel's) and target their ConfigMaps as deployed", () => {
    // What make chaos looks up: one ConfigMap with a chaos.json per service, by the chart's labels, in
    // the namespace and release the button names, through the one context the Tiltfile allows.
    const chaosConfigMaps = up.objects.filter((o) => o.kind === 'ConfigMap' && o.data?.['chaos.json'] !== undefined);
    for (const preset of Object.keys(chaosPresets)) {
      const button = up.local_resources.find((l) => l.name === `chaos-${preset}`);
      expect(button?.resource_deps).toEqual([...chaosServices]);
      const args = Object.fromEntries(
        button!.cmd
          .split(' ')
          .slice(2)
          .map((a) => a.split('=') as [string, string]),
      );
      expect(button!.cmd.split(' ').slice(0, 2)).toEqual(['make', 'chaos']);
      expect(Object.keys(args).sort()).toEqual(['context', 'namespace', 'preset', 'release']);
      expect([args.preset, args.context]).toEqual([preset, up.allow_k8s_contexts[0]]);
      for (const s of chaosServices) {
        const found = chaosConfigMaps.filter(
          (o) =>
            o.metadata.namespace === args.namespace &&
            o.metadata.labels['app.kubernetes.io/name'] === 'fake-stripe' &&
            o.metadata.labels['app.kubernetes.io/instance'] === args.release &&
            o.metadata.labels['app.kubernetes.io/component'] === s,
        );
        expect([s, found.length]).toEqual([s, 1]);
      }
    }
    expect(chaosConfigMaps).toHaveLength(chaosServices.length);
  });

  describe('each chaos preset, as the real services take it (PUT /<domain>/chaos)', () => {
    const tmp = tempDir('fake-stripe-presets-');
    const procs: Partial<Record<string, Spawned>> = {};
    // One after another: five starting at once on two busy cores can take longer than a start's timeout.
    beforeAll(async () => {
      for (const s of chaosServices)
        procs[s] = await spawnService(s, { DATA_DIR: join(tmp.dir, s), ADMIN_TOKEN: 'preset-admin-token' }, 30_000);
    }, 150_000);
    afterAll(async () => {
      await Promise.all(chaosServices.map(async (s) => procs[s]?.kill()));
      tmp.remove();
    });

    it.each(Object.keys(chaosPresets))(
      '%s: its button runs make chaos (print=1: the documents, no cluster), and every service accepts its document',
      async (preset) => {
        const button = up.local_resources.find((l) => l.name === `chaos-${preset}`);
        expect(button?.cmd).toMatch(new RegExp(`^make chaos preset=${preset} `));
        const { stdout } = await run('make', ['-s', ...button!.cmd.split(' ').slice(1), 'print=1'], { cwd: repoRoot });
        const documents = stdout
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]);
        expect(documents.map(([service]) => service)).toEqual([...chaosServices]);
        for (const [i, s] of chaosServices.entries()) {
          const doc = JSON.parse(documents[i]![1]!) as unknown;
          expect(doc).toEqual(chaosPresets[preset as keyof typeof chaosPresets](s));
          const r = await fetch(`${procs[s]!.url}/${s}/chaos`, {
            method: 'PUT',
            headers: { authorization: 'Bearer preset-admin-token', 'content-type': 'application/json' },
            body: JSON.stringify(doc),
          });
          expect([s, r.status, r.status === 200 ? '' : await r.text()]).toEqual([s, 200, '']);
        }
      },
    );

    it('a document a service refuses is refused (the check can fail)', async () => {
      const r = await fetch(`${procs.payment!.url}/payment/chaos`, {
        method: 'PUT',
        headers: { authorization: 'Bearer preset-admin-token', 'content-type': 'application/json' },
        body: JSON.stringify(chaosPresets.fast('shipping')), // createLabel is shipping's, not payment's
      });
      expect(r.status).toBe(400);
    });
  });
});
