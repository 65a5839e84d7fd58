/**
 * `make chaos`: the chaos of a cluster's services, set by patching the `chaos.json` key of their
 * chart-made chaos ConfigMaps through the Kubernetes API, as `kubectl patch` would, with the
 * kubeconfig (KUBECONFIG or ~/.kube/config) at its current context or the one given (context=).
 * Two modes, one patch (patchChaos):
 *
 *   make chaos service=payment profile=off  one service's profile (off, default or one named in its
 *                                           document): `profile` set, `overrides` dropped (they would
 *                                           still change the mix), seed, timeouts, `profiles` kept
 *   make chaos preset=fast [service=...]    a preset (chaosPresets: off, default, fast) for every chaos
 *                                           service, or the one given: each document replaced whole
 *                                           by the preset's (the Tiltfile's chaos buttons)
 *   make chaos preset=fast print=1          the preset's documents, a line per service; no cluster
 *
 * A ConfigMap is found by the chart's labels (name fake-stripe, component <service>, instance
 * <release> when given) in the namespace given or the context's. Every ConfigMap is found and every
 * new document made and checked with the services' own schema before the first patch, so a missing
 * ConfigMap, an unknown profile or a document a service would refuse changes nothing; each patch carries the resourceVersion read, so an edit made meanwhile is never
 * overwritten (409: run it again). The services apply it from their watch within a second
 * (`chaos.watchApi`), else from the mounted file within about a minute.
 */
import { parseArgs } from 'node:util';
import { CHAOS_CONFIGMAP_KEY as KEY, chaosConfigMapPatch } from '@fake-stripe/kernel/chaos-configmap';
import { chaosConfigSchema } from '@fake-stripe/kernel/chaos';
import { chaosServices } from '@fake-stripe/kernel/local-stack';
import type { ChaosService } from '@fake-stripe/kernel/local-stack';
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { V1ConfigMap } from '@kubernetes/client-node';

/** A chaos document (the shape of `PUT /<service>/chaos`), as far as this tool reads it. */
export interface ChaosDocument {
  profile?: string;
  profiles?: Record<string, unknown>;
  overrides?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The presets: each service's whole chaos document. */
export const chaosPresets = {
  /** Every call succeeds at once: the happy path, always. */
  off: () => ({ profile: 'off' }),
  /** The seed's mixes and latencies (README, "Chaos"). */
  default: () => ({ profile: 'default' }),
  /** The default mixes, but a timeout answers after 2 s and a label takes ~2 s, not ~20 s. */
  fast: (service: ChaosService) => ({
    profile: 'default',
    timeoutMs: 2000,
    ...(service === 'shipping' && { overrides: { createLabel: { latency: { baseMs: 2000, jitterMs: 500 } } } }),
  }),
} satisfies Record<string, (service: ChaosService) => ChaosDocument>;
export type ChaosPreset = keyof typeof chaosPresets;
const isPreset = (name: string): name is ChaosPreset => Object.hasOwn(chaosPresets, name);

/** What the caller must fix (an argument, a ConfigMap not found, an edit made meanwhile): exit 2, with the usage. */
export class ChaosUsageError extends Error {}

/** Where the chaos ConfigMaps are: the API of a kubeconfig context, a namespace, a release (any when blank). */
export interface ChaosTarget {
  core: CoreV1Api;
  /** The context and its API server, for messages. */
  cluster: string;
  namespace: string;
  release?: string;
}

/** The kubeconfig at `context` (its current one when blank); the namespace given, else the context's, else `default`. */
export function chaosTarget(options: { context?: string; namespace?: string; release?: string }): ChaosTarget {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  if (options.context) {
    if (!kc.getContextObject(options.context))
      throw new ChaosUsageError(
        `context=${options.context} is not in the kubeconfig (have ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        })`,
      );
    kc.setCurrentContext(options.context);
  }
  const namespace = options.namespace || kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
  const cluster = `context ${kc.getCurrentContext()}, ${kc.getCurrentCluster()?.server ?? 'no server'}`;
  return { core: kc.makeApiClient(CoreV1Api), cluster, namespace, release: options.release };
}

/** One ConfigMap patched: the document before (`{}` when it was not a JSON object) and after. */
export interface ChaosPatch {
  service: ChaosService;
  configMap: string;
  before: ChaosDocument;
  beforeWasJson: boolean;
  after: ChaosDocument;
  resourceVersion: string | undefined;
}

/** A client failure in one line: the status and the API's Status message when it sent one. */
function apiFailure(err: unknown): string {
  const e = err as { code?: unknown; body?: unknown; message?: unknown; cause?: { message?: unknown } };
  // fetch's own failure ("fetch failed") says why in its cause (connect ECONNREFUSED ..., a certificate).
  if (typeof e.code !== 'number') {
    const why = e.cause?.message;
    return `${String(e.message ?? err)}${typeof why === 'string' ? `: ${why}` : ''}`;
  }
  let body = e.body;
  try {
    if (typeof body === 'string') body = JSON.parse(body);
  } catch {
    // a plain-text body: shown as it is
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  return `${e.code} ${typeof message === 'string' ? message : JSON.stringify(e.body ?? '')}`;
}

const parseDocument = (text: string | undefined): ChaosDocument | undefined => {
  try {
    const doc: unknown = JSON.parse(text ?? '');
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as ChaosDocument) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Sets the chaos document of each service given to `documentOf(service, current, configMapName)`
 * (which may throw ChaosUsageError). Finds every ConfigMap by the chart's labels and makes and
 * checks (the services' chaosConfigSchema) every document before the first patch; each merge patch
 * carries the resourceVersion read.
 */
export async function patchChaos(
  target: ChaosTarget,
  services: readonly ChaosService[],
  documentOf: (service: ChaosService, current: ChaosDocument, configMap: string) => ChaosDocument,
): Promise<ChaosPatch[]> {
  const { core, namespace, release } = target;
  const where = `namespace ${namespace}${release ? `, release ${release}` : ''}`;
  const labelSelector = [
    'app.kubernetes.io/name=fake-stripe',
    `app.kubernetes.io/component in (${services.join(',')})`,
    ...(release ? [`app.kubernetes.io/instance=${release}`] : []),
  ].join(',');
  let listed;
  try {
    listed = (await core.listNamespacedConfigMap({ namespace, labelSelector })).items;
  } catch (err) {
    throw new Error(`listing the chaos ConfigMaps in ${where} (${target.cluster}): ${apiFailure(err)}`, { cause: err });
  }
  const planned = services.map((service) => {
    const found = listed.filter(
      (cm) => cm.metadata?.labels?.['app.kubernetes.io/component'] === service && cm.data?.[KEY] !== undefined,
    );
    if (found.length === 0)
      throw new ChaosUsageError(`no chaos ConfigMap of ${service} in ${where} (give namespace= or release=)`);
    if (found.length > 1)
      throw new ChaosUsageError(
        `${found.length} chaos ConfigMaps of ${service} in ${where} (${found.map((cm) => cm.metadata?.name).join(', ')}): give release=`,
      );
    const [cm] = found as [V1ConfigMap];
    const configMap = cm.metadata?.name ?? '';
    const parsed = parseDocument(cm.data?.[KEY]);
    const before = parsed ?? {};
    const after = documentOf(service, before, configMap);
    // The services' own schema: a document they would refuse is never written.
    const checked = chaosConfigSchema.safeParse(after);
    if (!checked.success)
      throw new ChaosUsageError(
        `${configMap}: the new document would be refused (${checked.error.issues.map((i) => `${i.path.join('.') || 'document'}: ${i.message}`).join('; ')}); fix ${KEY} with kubectl edit`,
      );
    return {
      service,
      configMap,
      before,
      beforeWasJson: parsed !== undefined,
      after,
      read: cm.metadata?.resourceVersion,
    };
  });
  const patched: ChaosPatch[] = [];
  for (const { read, ...p } of planned) {
    try {
      const cm = await core.patchNamespacedConfigMap(
        {
          name: p.configMap,
          namespace,
          body: chaosConfigMapPatch(p.after, read),
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      patched.push({ ...p, resourceVersion: cm.metadata?.resourceVersion });
    } catch (err) {
      const done = patched.length ? ` (${patched.map((d) => d.service).join(', ')} already set)` : '';
      if ((err as { code?: unknown }).code === 409)
        throw new ChaosUsageError(`${p.configMap} changed while it was patched: run it again${done}`, { cause: err });
      throw new Error(`patching ${p.configMap}: ${apiFailure(err)}${done}`, { cause: err });
    }
  }
  return patched;
}

/** `make chaos service=... profile=...`: the profile set, `overrides` dropped, the rest kept. */
const withProfile =
  (profile: string) =>
  (_service: ChaosService, current: ChaosDocument, configMap: string): ChaosDocument => {
    const named = Object.keys(current.profiles ?? {});
    if (!['off', 'default', ...named].includes(profile))
      throw new ChaosUsageError(
        `profile=${profile} is not in ${configMap}: have off, default${named.map((p) => `, ${p}`).join('')}`,
      );
    const { overrides: _dropped, ...kept } = current;
    return { ...kept, profile };
  };

const usage = `usage: make chaos service=<service> profile=<off|default|name>             one service's profile
       make chaos preset=<${Object.keys(chaosPresets).join('|')}> [service=<service>] [print=1]  a preset, every chaos service
       either with [context=<kubeconfig context>] [namespace=<namespace>] [release=<release>]`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      service: { type: 'string', default: '' },
      profile: { type: 'string', default: '' },
      preset: { type: 'string', default: '' },
      context: { type: 'string', default: '' },
      namespace: { type: 'string', default: '' },
      release: { type: 'string', default: '' },
      print: { type: 'boolean', default: false },
    },
  });
  const { service, profile, preset } = values;
  const services = chaosServices.filter((s) => !service || s === service);
  if (services.length === 0)
    throw new ChaosUsageError(`service=${service} has no chaos ConfigMap (one of ${chaosServices.join(', ')})`);
  if (preset && profile) throw new ChaosUsageError('give profile= (one service) or preset= (every service), not both');
  if (values.print && !preset) throw new ChaosUsageError('print=1 goes with preset=');

  if (preset) {
    if (!isPreset(preset))
      throw new ChaosUsageError(`preset=${preset} is not a preset (${Object.keys(chaosPresets).join(', ')})`);
    const documentOf = chaosPresets[preset];
    if (values.print) {
      for (const s of services) console.log(`${s} ${JSON.stringify(documentOf(s))}`);
      return 0;
    }
    const target = chaosTarget(values);
    for (const p of await patchChaos(target, services, documentOf))
      console.log(`${target.namespace}/${p.configMap}: preset ${preset}, resourceVersion ${p.resourceVersion}`);
    console.log(
      `chaos preset ${preset} written to ${services.length} ConfigMap(s); the services apply it within a second (chaos.watchApi) or about a minute (the mounted file)`,
    );
    return 0;
  }

  if (!service) throw new ChaosUsageError(`service= is required (one of ${chaosServices.join(', ')})`);
  if (!profile)
    throw new ChaosUsageError(
      `profile= is required: off, default, or a profile named in the ConfigMap (or preset=${Object.keys(chaosPresets).join('|')})`,
    );
  const target = chaosTarget(values);
  for (const p of await patchChaos(target, services, withProfile(profile))) {
    if (!p.beforeWasJson)
      console.error(`${p.configMap}: its ${KEY} was not a JSON object; a fresh document was written`);
    const { overrides } = p.before;
    const dropped =
      overrides && Object.keys(overrides).length > 0 ? ` (overrides dropped: ${JSON.stringify(overrides)})` : '';
    console.log(
      `${target.namespace}/${p.configMap}: profile ${p.before.profile ?? 'default'} -> ${profile}${dropped}, resourceVersion ${p.resourceVersion}`,
    );
  }
  return 0;
}

if (import.meta.main)
  process.exitCode = await main(process.argv.slice(2)).catch((err: unknown) => {
    if (err instanceof ChaosUsageError) {
      console.error(`make chaos: ${err.message}\n${usage}`);
      return 2;
    }
    console.error(`make chaos: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  });
