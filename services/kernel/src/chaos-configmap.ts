import { existsSync, readFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig, ListWatch, Watch } from '@kubernetes/client-node';
import type { V1ConfigMap } from '@kubernetes/client-node';
import type { Logger } from './logger.ts';

/** The key of the chaos document in the chart's chaos ConfigMap (and the file it mounts). */
export const CHAOS_CONFIGMAP_KEY = 'chaos.json';
/** Where a pod's ServiceAccount namespace is mounted. */
const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
const BACKOFF_FIRST_MS = 250;
const BACKOFF_MAX_MS = 30_000;

/** The namespace to watch in: the one given, the pod's ServiceAccount namespace, the kubeconfig's, or `default`. */
export function configMapNamespace(given: string | undefined, kc: KubeConfig): string {
  if (given) return given;
  if (existsSync(SERVICE_ACCOUNT_NAMESPACE_FILE)) return readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, 'utf8').trim();
  return kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}

/**
 * Watches ONE ConfigMap (list + watch narrowed by `metadata.name`) and hands each version's chaos key to
 * `onData`. The client's informer stops for good on any error but its own watch timeout or a 410 (it
 * relists then), and `stop()` fires 'error' too: so a restart is scheduled only while the watch is
 * wanted, at most one at a time, with capped exponential backoff and jitter. Connection settings come
 * from KUBECONFIG (or ~/.kube/config), else the pod's in-cluster ServiceAccount.
 */
export function watchChaosConfigMap(options: {
  name: string;
  namespace: string | undefined;
  log: Logger;
  onData: (raw: string | undefined, resourceVersion: string) => void;
  onError: (message: string) => void;
}): () => void {
  const { name, log } = options;
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const namespace = configMapNamespace(options.namespace, kc);
  const core = kc.makeApiClient(CoreV1Api);
  const fieldSelector = `metadata.name=${name}`;
  const informer = new ListWatch<V1ConfigMap>(
    `/api/v1/namespaces/${namespace}/configmaps`,
    new Watch(kc),
    () => core.listNamespacedConfigMap({ namespace, fieldSelector }),
    false,
    undefined,
    fieldSelector,
  );
  let wanted = true;
  let failures = 0;
  let restart: NodeJS.Timeout | undefined;
  let seen = '';
  const deliver = (cm: V1ConfigMap): void => {
    const version = cm.metadata?.resourceVersion ?? '';
    failures = 0;
    if (version === seen) return; // a relist after a restart hands back the version in force
    seen = version;
    options.onData(cm.data?.[CHAOS_CONFIGMAP_KEY], version);
  };
  informer.on('add', deliver);
  informer.on('update', deliver);
  informer.on('delete', () => {
    seen = '';
    options.onError(`ConfigMap ${namespace}/${name} was deleted; keeping the last good config`);
  });
  informer.on('connect', () => log.debug({ namespace, name }, 'chaos ConfigMap watch connected'));
  const failed = (err: unknown): void => {
    if (!wanted || restart) return;
    failures += 1;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
    const message = `watching ConfigMap ${namespace}/${name}: ${(err as Error)?.message ?? String(err)}`;
    log.warn({ namespace, name, retryInMs: Math.round(delay) }, message);
    options.onError(message);
    restart = setTimeout(() => {
      restart = undefined;
      if (wanted) informer.start().catch(failed);
    }, delay);
    restart.unref();
  };
  informer.on('error', failed);
  log.info({ namespace, name, key: CHAOS_CONFIGMAP_KEY }, 'watching the chaos ConfigMap');
  informer.start().catch(failed);
  return () => {
    wanted = false;
    clearTimeout(restart);
    informer.stop().catch(() => undefined);
  };
}
