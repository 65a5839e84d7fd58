import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { CoreV1Api, KubeConfig, ListWatch, PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import type { V1ConfigMap } from '@kubernetes/client-node';
import { CHAOS_CONFIGMAP_KEY } from './chaos-wiring.ts';
import type { Logger } from './logger.ts';

export { CHAOS_CONFIGMAP_KEY };
/** The reason of the Event recorded on the ConfigMap when its chaos document is refused. */
export const CHAOS_REJECTED_EVENT_REASON = 'ChaosConfigRejected';
/** Where a pod's ServiceAccount namespace is mounted. */
const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
const BACKOFF_FIRST_MS = 250;
/** An Event's message is cut here (the API's own limit for an events.k8s.io note is 1 kB). */
const EVENT_MESSAGE_MAX = 1024;

/** The namespace to watch in: the one given, the pod's ServiceAccount namespace, the kubeconfig's, or `default`. */
export function configMapNamespace(given: string | undefined, kc: KubeConfig): string {
  if (given) return given;
  if (existsSync(SERVICE_ACCOUNT_NAMESPACE_FILE)) return readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, 'utf8').trim();
  return kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}

/** A client error as one line: its HTTP status and the API's Status message when it sent one. */
function describeFailure(err: unknown): { status: number | undefined; message: string } {
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown } | undefined;
  const status = [e?.code, e?.statusCode].find((s): s is number => typeof s === 'number');
  let body = e?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // a plain-text body: the error's own message says enough
    }
  }
  const apiMessage = (body as { message?: unknown } | undefined)?.message;
  // ApiException's message carries the headers and the body: its first line is the status.
  const message = typeof apiMessage === 'string' ? apiMessage : (String(e?.message ?? err).split('\n')[0] ?? '');
  return { status, message: status === undefined ? message : `${status} ${message}` };
}

const isGone = (o: unknown): boolean => {
  const e = o as { code?: unknown; statusCode?: unknown } | undefined;
  return e?.code === 410 || e?.statusCode === 410;
};

/**
 * The client's Watch, telling when a watch request was answered 200 (the API server is in reach and
 * lets us watch) and when the resourceVersion it resumed from had expired (410 Gone: the informer
 * relists then, by itself).
 */
class ObservedWatch extends Watch {
  private readonly seen: { established(resourceVersion: string): void; expired(resourceVersion: string): void };

  constructor(kc: KubeConfig, seen: ObservedWatch['seen']) {
    super(kc);
    this.seen = seen;
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the client's own callback type
    callback: (phase: string, apiObj: any, watchObj?: any) => void,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the client's own callback type
    done: (err: any) => void,
  ): Promise<AbortController> {
    const from = String(queryParams.resourceVersion ?? '');
    let failed = false;
    const controller = await super.watch(
      path,
      queryParams,
      (phase, apiObj: unknown, watchObj: unknown) => {
        if (phase === 'ERROR' && isGone(apiObj)) this.seen.expired(from);
        callback(phase, apiObj, watchObj);
      },
      (err: unknown) => {
        if (err) failed = true;
        if (isGone(err)) this.seen.expired(from);
        done(err);
      },
    );
    // A request that was not answered 200 has called `done` with its error before returning.
    if (!failed) this.seen.established(from);
    return controller;
  }
}

/**
 * Watches ONE ConfigMap (list + watch narrowed by `metadata.name`) and hands each version's chaos key to
 * `onData`; a version `onData` refuses is reported on the ConfigMap as a Warning Event (reason
 * ChaosConfigRejected), so `kubectl describe configmap` says why. The client's informer relists by itself
 * after a 410 and resumes after its own watch timeout, but stops for good on any other error, and
 * `stop()` fires 'error' too: so a restart (resuming from the informer's resourceVersion) is scheduled
 * only for the informer in use, at most one at a time, with capped exponential backoff and jitter. Every
 * `resyncMs` the informer is replaced by a fresh one, which relists: a watch that stalled without an
 * error cannot hide an edit longer than that. A streak of failures is logged once (a 401/403 as an error:
 * retrying cannot fix RBAC, but a Role granted later is picked up), the retries at debug. Connection
 * settings come from KUBECONFIG (or ~/.kube/config), else the pod's in-cluster ServiceAccount.
 */
export function watchChaosConfigMap(options: {
  name: string;
  namespace: string | undefined;
  /** The Event's source component, e.g. `fake-stripe-payment`. */
  component: string;
  resyncMs: number;
  backoffMaxMs: number;
  log: Logger;
  /** Applies one version; returns the reason when it is refused. */
  onData: (raw: string | undefined, resourceVersion: string) => string | undefined;
  onError: (message: string) => void;
}): () => void {
  const { name, log } = options;
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const namespace = configMapNamespace(options.namespace, kc);
  const where = { namespace, name };
  const core = kc.makeApiClient(CoreV1Api);
  const fieldSelector = `metadata.name=${name}`;
  let wanted = true;
  let failures = 0;
  /** The status (or 'other') of the failure streak already logged. */
  let streak: number | 'other' | undefined;
  let restart: NodeJS.Timeout | undefined;
  let seen = '';
  let listed = false;

  const healthy = (): void => {
    failures = 0;
    if (streak !== undefined) log.info(where, 'chaos ConfigMap watch working again');
    streak = undefined;
  };
  const recordRefusal = (cm: V1ConfigMap, reason: string): void => {
    const now = new Date();
    core
      .createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${name}.` },
          involvedObject: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            namespace,
            name,
            uid: cm.metadata?.uid,
            resourceVersion: cm.metadata?.resourceVersion,
          },
          type: 'Warning',
          reason: CHAOS_REJECTED_EVENT_REASON,
          message: `${CHAOS_CONFIGMAP_KEY} refused, the last good chaos config stays: ${reason}`.slice(
            0,
            EVENT_MESSAGE_MAX,
          ),
          source: { component: options.component },
          reportingComponent: options.component,
          reportingInstance: hostname(),
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      })
      .catch((err: unknown) =>
        log.warn({ ...where, err: describeFailure(err).message }, 'could not record the refusal as an Event'),
      );
  };
  const deliver = (cm: V1ConfigMap): void => {
    const version = cm.metadata?.resourceVersion ?? '';
    if (version === seen) return; // a relist hands back the version in force
    seen = version;
    const refusal = options.onData(cm.data?.[CHAOS_CONFIGMAP_KEY], version);
    if (refusal !== undefined) recordRefusal(cm, refusal);
  };
  const deleted = (): void => {
    if (!seen) return;
    seen = '';
    const message = `ConfigMap ${namespace}/${name} was deleted; keeping the last good config`;
    log.warn(where, message);
    options.onError(message);
  };
  const list = async () => {
    const result = await core.listNamespacedConfigMap({ namespace, fieldSelector });
    healthy();
    log.debug({ ...where, resourceVersion: result.metadata?.resourceVersion }, 'chaos ConfigMap listed');
    if (result.items.length === 0) {
      if (!listed) log.warn(where, 'the chaos ConfigMap does not exist (yet); the current config stays');
      deleted();
    }
    listed = true;
    return result;
  };

  let informer: ListWatch<V1ConfigMap>;
  const failed =
    (from: ListWatch<V1ConfigMap>) =>
    (err: unknown): void => {
      // A replaced (or stopped) informer's errors, its own stop() included, concern nobody.
      if (!wanted || from !== informer || restart) return;
      failures += 1;
      const delay = Math.min(options.backoffMaxMs, BACKOFF_FIRST_MS * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
      const { status, message } = describeFailure(err);
      const text = `watching ConfigMap ${namespace}/${name}: ${message}`;
      options.onError(text);
      const fields = { ...where, status, retryInMs: Math.round(delay) };
      const kind = status ?? 'other';
      if (streak === kind) log.debug(fields, text);
      else if (status === 401 || status === 403)
        log.error(
          fields,
          `${text}. The ServiceAccount may not watch its chaos ConfigMap (it needs get, list and watch on it: ` +
            'the chart Role). The service keeps serving its file or built-in chaos config and retries quietly.',
        );
      else log.warn(fields, `${text}; retrying with backoff, the last good config stays`);
      streak = kind;
      restart = setTimeout(() => {
        restart = undefined;
        if (wanted) informer.start().catch(failed(informer));
      }, delay);
      restart.unref();
    };
  const connect = (): void => {
    const watch = new ObservedWatch(kc, {
      established: (resourceVersion) => {
        healthy();
        log.debug({ ...where, resourceVersion }, 'chaos ConfigMap watch established');
      },
      expired: (resourceVersion) =>
        log.info({ ...where, resourceVersion }, 'chaos ConfigMap resourceVersion expired (410 Gone): relisting'),
    });
    const next = new ListWatch<V1ConfigMap>(
      `/api/v1/namespaces/${namespace}/configmaps`,
      watch,
      list,
      false,
      undefined,
      fieldSelector,
    );
    const current =
      <T>(handle: (arg: T) => void) =>
      (arg: T): void => {
        if (next === informer) handle(arg);
      };
    next.on('add', current(deliver));
    next.on('update', current(deliver));
    next.on('delete', current(deleted));
    next.on('error', failed(next));
    informer = next;
    next.start().catch(failed(next));
  };

  log.info({ ...where, key: CHAOS_CONFIGMAP_KEY, resyncMs: options.resyncMs }, 'watching the chaos ConfigMap');
  connect();
  const resync =
    options.resyncMs > 0
      ? setInterval(() => {
          if (!wanted || restart) return; // failing: the pending restart comes first
          const old = informer;
          log.debug(where, 'chaos ConfigMap resync: relisting');
          connect();
          old.stop().catch(() => undefined);
        }, options.resyncMs)
      : undefined;
  resync?.unref();
  return () => {
    wanted = false;
    clearTimeout(restart);
    clearInterval(resync);
    informer.stop().catch(() => undefined);
  };
}

/** The merge patch that sets a chaos ConfigMap's document, applied only while it is at `resourceVersion` (else 409). */
export const chaosConfigMapPatch = (document: unknown, resourceVersion: string | undefined) => ({
  metadata: { resourceVersion },
  data: { [CHAOS_CONFIGMAP_KEY]: `${JSON.stringify(document, null, 2)}\n` },
});

/**
 * A writer of chaos ConfigMaps in the namespace given (else the pod's, else the kubeconfig context's),
 * connected as KUBECONFIG says or as the pod's ServiceAccount. `write` reads the ConfigMap for its
 * resourceVersion, then merge-patches the document carrying it (an edit made meanwhile is never
 * overwritten: the 409 says so), and resolves to the new resourceVersion; a failure is thrown with the
 * API's status (`status`) and message.
 */
export function chaosConfigMapWriter(namespaceGiven: string | undefined) {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const core = kc.makeApiClient(CoreV1Api);
  const namespace = configMapNamespace(namespaceGiven, kc);
  async function write(name: string, document: unknown): Promise<string | undefined> {
    try {
      const current = await core.readNamespacedConfigMap({ namespace, name });
      const patched = await core.patchNamespacedConfigMap(
        { namespace, name, body: chaosConfigMapPatch(document, current.metadata?.resourceVersion) },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      return patched.metadata?.resourceVersion;
    } catch (err) {
      const { status, message } = describeFailure(err);
      throw Object.assign(new Error(`ConfigMap ${namespace}/${name}: ${message}`, { cause: err }), { status });
    }
  }
  return { namespace, write };
}
