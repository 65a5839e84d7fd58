/**
 * `make chaos service=payment profile=off`: sets the chaos profile of one service in a cluster by
 * patching the `chaos.json` key of its chart-made chaos ConfigMap, with the current kubeconfig
 * (KUBECONFIG or ~/.kube/config), as `kubectl patch` would. The ConfigMap is found by the chart's
 * labels (name fake-stripe, component <service>, instance <release> when given) in the namespace given
 * or the kubeconfig context's. The profile is set and `overrides` are dropped (they would still change
 * the mix on top of the profile); seed, timeouts and the named `profiles` stay. The patch carries the
 * resourceVersion read, so an edit made meanwhile is never overwritten. The services apply it from
 * their watch within a second (`chaos.watchApi`), else from the mounted file within about a minute.
 */
import { parseArgs } from 'node:util';
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { V1ConfigMap } from '@kubernetes/client-node';

/** The services with a chaos ConfigMap (the chart's topology: the four domains and public-apis). */
const chaosServices = ['payment', 'inventory', 'shipping', 'notification', 'public-apis'];
const KEY = 'chaos.json';
/** A profile is a name, as in the chaos document's schema: a letter, then letters, digits, `_` or `-`. */
const profileName = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const usage =
  'usage: make chaos service=<service> profile=<off|default|name> [release=<release>] [namespace=<namespace>]';

function fail(message: string): never {
  console.error(`make chaos: ${message}\n${usage}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    service: { type: 'string', default: '' },
    profile: { type: 'string', default: '' },
    release: { type: 'string', default: '' },
    namespace: { type: 'string', default: '' },
  },
});
const { service, profile, release } = values;
if (!service) fail(`service= is required (one of ${chaosServices.join(', ')})`);
if (!chaosServices.includes(service))
  fail(`service=${service} has no chaos ConfigMap (one of ${chaosServices.join(', ')})`);
if (!profile) fail('profile= is required: off, default, or a profile named in the ConfigMap');
if (!profileName.test(profile)) fail(`profile=${profile} is not a profile name`);

const kc = new KubeConfig();
kc.loadFromDefault();
const namespace = values.namespace || kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';
const core = kc.makeApiClient(CoreV1Api);
const labelSelector = [
  'app.kubernetes.io/name=fake-stripe',
  `app.kubernetes.io/component=${service}`,
  ...(release ? [`app.kubernetes.io/instance=${release}`] : []),
].join(',');

try {
  const found = (await core.listNamespacedConfigMap({ namespace, labelSelector })).items.filter(
    (cm) => cm.data?.[KEY] !== undefined,
  );
  const where = `namespace ${namespace}${release ? `, release ${release}` : ''}`;
  if (found.length === 0) fail(`no chaos ConfigMap of ${service} in ${where} (give namespace= or release=)`);
  if (found.length > 1)
    fail(
      `${found.length} chaos ConfigMaps of ${service} in ${where} (${found.map((cm) => cm.metadata?.name).join(', ')}): give release=`,
    );
  const [cm] = found as [V1ConfigMap];
  const name = cm.metadata?.name ?? '';
  let current: { profile?: string; profiles?: object; overrides?: object } = {};
  try {
    current = JSON.parse(cm.data?.[KEY] ?? '{}') as typeof current;
  } catch {
    console.error(`${name}: its ${KEY} is not JSON; writing a fresh document`);
  }
  const named = Object.keys(current.profiles ?? {});
  if (!['off', 'default', ...named].includes(profile))
    fail(`profile=${profile} is not in ${name}: have off, default${named.map((p) => `, ${p}`).join('')}`);
  const { overrides, ...kept } = current;
  const doc = { ...kept, profile };
  const patched = await core.patchNamespacedConfigMap(
    {
      name,
      namespace,
      body: {
        metadata: { resourceVersion: cm.metadata?.resourceVersion },
        data: { [KEY]: `${JSON.stringify(doc, null, 2)}\n` },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  const dropped =
    overrides && Object.keys(overrides).length > 0 ? ` (overrides dropped: ${JSON.stringify(overrides)})` : '';
  console.log(
    `${namespace}/${name}: profile ${current.profile ?? 'default'} -> ${profile}${dropped}, resourceVersion ${patched.metadata?.resourceVersion}`,
  );
} catch (err) {
  const e = err as { code?: number; body?: unknown; message?: string };
  if (e.code === 409) fail('the ConfigMap changed while it was patched: run it again');
  const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body ?? '');
  console.error(`make chaos: ${e.code ? `${e.code} ${body}` : (e.message ?? String(err))}`);
  process.exit(1);
}
