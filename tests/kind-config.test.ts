/**
 * kind-config.yaml through kind's own config loader (.tools/bin/kind-config-check, built by
 * tools/bootstrap.sh from the wrapper module tools/k8s/kind-config: sigs.k8s.io/kind's strict v1alpha4
 * decoding, defaulting, Validate(), and its containerd patching), as `kind create cluster --config`
 * runs them. No cluster starts here: no registry serves the node image on these machines.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, tempDir } from '@fake-stripe/kernel/testing';
import { parse } from 'yaml';
import { documents } from './k8s/objects.ts';
import type { K8sObject } from './k8s/objects.ts';

const run = promisify(execFile);
const CHECK = join(repoRoot, '.tools/bin/kind-config-check');
const HELM = join(repoRoot, '.tools/bin/helm');
const configFile = join(repoRoot, 'kind-config.yaml');
const k8s = (file: string): string => join(repoRoot, 'k8s', file);

interface PortMapping {
  ContainerPort: number;
  HostPort: number;
  ListenAddress: string;
  Protocol: string;
}
interface Loaded {
  Name: string;
  Nodes: { Role: string; Image: string; ExtraPortMappings: PortMapping[] }[];
  ContainerdConfigPatches: string[];
}

/** kind's verdict on a config file: the loaded config, or its error message. */
async function check(file: string): Promise<{ config?: Loaded; error?: string }> {
  try {
    const { stdout } = await run(CHECK, [file]);
    return { config: JSON.parse(stdout) as Loaded };
  } catch (err) {
    return { error: (err as { stderr?: string }).stderr ?? String(err) };
  }
}

/** A copy of kind-config.yaml with one edit, checked by kind. */
async function checkEdited(edit: (text: string) => string): Promise<{ config?: Loaded; error?: string }> {
  const tmp = tempDir('fake-stripe-kind-');
  try {
    const file = join(tmp.dir, 'kind-config.yaml');
    const original = readFileSync(configFile, 'utf8');
    const edited = edit(original);
    expect(edited).not.toBe(original);
    writeFileSync(file, edited);
    return await check(file);
  } finally {
    tmp.remove();
  }
}

/** A Service's port by name (or its only one) in a multi-document manifest. */
function servicePort(objects: K8sObject[], service: string, port?: string): { port: number; nodePort?: number } {
  const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === service);
  if (!svc) throw new Error(`no Service ${service}`);
  const ports = svc.spec.ports as { name: string; port: number; nodePort?: number }[];
  const found = port ? ports.find((p) => p.name === port) : ports[0];
  if (!found) throw new Error(`Service ${service} has no port ${port}`);
  return found;
}

let loaded: Loaded;
beforeAll(async () => {
  const { config, error } = await check(configFile);
  if (!config) throw new Error(`kind refuses kind-config.yaml: ${error}`);
  loaded = config;
});

describe('kind-config.yaml, loaded and validated by kind', () => {
  it('is one control-plane node named fake-stripe (context kind-fake-stripe) on a node image pinned by digest', () => {
    expect(loaded.Name).toBe('fake-stripe');
    expect(loaded.Nodes.map((n) => n.Role)).toEqual(['control-plane']);
    expect(loaded.Nodes[0]?.Image).toMatch(/^kindest\/node:v1\.34\.\d+@sha256:[0-9a-f]{64}$/);
  });

  it('binds every host port to 127.0.0.1, never to every interface', () => {
    const mappings = loaded.Nodes.flatMap((n) => n.ExtraPortMappings);
    expect(mappings.length).toBeGreaterThanOrEqual(4);
    for (const m of mappings)
      expect({ hostPort: m.HostPort, listen: m.ListenAddress }).toEqual({ hostPort: m.HostPort, listen: '127.0.0.1' });
  });

  it("maps each host port to the NodePort of the Service it names: the API, Temporal's UI in both modes, Grafana, Jaeger", async () => {
    const { stdout } = await run(HELM, [
      'template',
      'fake-stripe',
      join(repoRoot, 'charts/fake-stripe'),
      '--namespace',
      'fake-stripe',
      '--values',
      k8s('fake-stripe-values.yaml'),
    ]);
    const chartValues = parse(readFileSync(join(repoRoot, 'charts/fake-stripe/values.yaml'), 'utf8')) as K8sObject;
    const temporalValues = parse(readFileSync(k8s('temporal-values.yaml'), 'utf8')) as K8sObject;
    const monitoring = parse(readFileSync(k8s('kube-prometheus-stack-values.yaml'), 'utf8')) as K8sObject;
    const api = servicePort(documents(stdout), 'fake-stripe-api');
    const temporalDev = servicePort(documents(readFileSync(k8s('temporal-dev.yaml'), 'utf8')), 'temporal-web');
    const jaeger = servicePort(documents(readFileSync(k8s('jaeger.yaml'), 'utf8')), 'jaeger', 'ui');
    // hostPort: what a laptop opens (the service's own port, except Grafana's, moved off user-context's 3000).
    const wanted = [
      { what: 'api', hostPort: chartValues.services.api.port as number, nodePort: api.nodePort },
      { what: 'temporal ui (dev)', hostPort: temporalDev.port, nodePort: temporalDev.nodePort },
      {
        what: 'temporal ui (chart)',
        hostPort: temporalValues.web.service.port as number,
        nodePort: temporalValues.web.service.nodePort as number,
      },
      { what: 'grafana', hostPort: 3300, nodePort: monitoring.grafana.service.nodePort as number },
      { what: 'jaeger ui', hostPort: jaeger.port, nodePort: jaeger.nodePort },
    ];
    const mappings = loaded.Nodes.flatMap((n) => n.ExtraPortMappings);
    const actual = wanted.map(({ what, nodePort }) => ({
      what,
      nodePort,
      hostPort: mappings.find((m) => m.ContainerPort === nodePort)?.HostPort,
    }));
    expect(actual).toEqual(wanted.map(({ what, hostPort, nodePort }) => ({ what, nodePort, hostPort })));
    expect(api.port).toBe(3002);
    // Every mapping serves one of them: none left over.
    expect(new Set(mappings.map((m) => m.ContainerPort))).toEqual(new Set(wanted.map((w) => w.nodePort)));
  });

  it("points containerd at the registry config dir (kind's local-registry pattern)", () => {
    expect(loaded.ContainerdConfigPatches.join('\n')).toMatch(/config_path = "\/etc\/containerd\/certs\.d"/);
  });
});

describe('kind refuses a broken copy (the real parser runs)', () => {
  it('refuses an unknown field (strict decoding)', async () => {
    const { config, error } = await checkEdited((t) =>
      t.replace('listenAddress: 127.0.0.1', 'listenAdress: 127.0.0.1'),
    );
    expect(config).toBeUndefined();
    expect(error).toMatch(/field listenAdress not found/);
  });

  it('refuses two mappings of one host port', async () => {
    const { config, error } = await checkEdited((t) => t.replace('hostPort: 16686', 'hostPort: 3002'));
    expect(config).toBeUndefined();
    expect(error).toMatch(/127\.0\.0\.1:3002\/TCP.*already configured|already configured.*127\.0\.0\.1:3002/);
  });

  it('refuses a port out of range', async () => {
    const { config, error } = await checkEdited((t) => t.replace('hostPort: 16686', 'hostPort: 70000'));
    expect(config).toBeUndefined();
    expect(error).toMatch(/invalid hostPort: invalid port number: 70000/);
  });

  it('refuses a containerd patch that is not TOML', async () => {
    const { config, error } = await checkEdited((t) => t.replace('config_path = ', 'config_path = = '));
    expect(config).toBeUndefined();
    expect(error).toMatch(/containerdConfigPatches/);
  });
});
