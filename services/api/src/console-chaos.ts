/**
 * The console's chaos writes in a cluster (CONSOLE_CHAOS_WRITES=configmap): a change goes to the
 * service's chaos ConfigMap, the source the chart makes for it, patched through the Kubernetes API with
 * this pod's ServiceAccount (the chart's Role lets it get and patch those ConfigMaps alone), or the
 * KUBECONFIG given. The caller's admin token and the document are checked first, by the services' own
 * rules (against the operations and outcomes the service reports), so a refused change is never written;
 * the service applies it from its ConfigMap watch or its mounted file, as any edit of the ConfigMap.
 */
import { AppError, badRequest, chaosDocumentError, requireToken } from '@fake-stripe/kernel';
import type { Context } from 'koa';
import type { ConsoleEnv } from './console-routes.ts';

/** What a domain's `GET /chaos/distribution` says of its operations: every outcome a weight may name. */
export type Outcomes = Record<string, string[]>;

export function configMapChaosWriter(env: ConsoleEnv) {
  // The Kubernetes client is loaded in this mode only (it costs ~0.5 s of CPU at start-up), from
  // here on; a write waits for it, and a client that cannot be made fails the write with its reason.
  const writer = import('@fake-stripe/kernel/chaos-configmap').then((m) =>
    m.chaosConfigMapWriter(env.CONSOLE_CHAOS_NAMESPACE),
  );
  writer.catch(() => undefined); // reported by the write that needs it
  return async (ctx: Context, domain: string, document: unknown, outcomes: () => Promise<Outcomes>) => {
    requireToken(ctx, env.ADMIN_TOKEN, 'admin', 'ADMIN_TOKEN', 'Chaos changes are');
    const refused = chaosDocumentError(await outcomes(), document);
    // The service's own words for the same refusal (its PUT /chaos answers exactly this).
    if (refused) throw badRequest('chaos_config_invalid', `Chaos config refused: ${refused}`);
    const name = env.CONSOLE_CHAOS_CONFIGMAP.replaceAll('{service}', domain);
    let namespace: string | undefined; // known once the client is made (a 409 comes after that)
    try {
      const client = await writer;
      namespace = client.namespace;
      const resourceVersion = await client.write(name, document);
      return { written: 'configmap', namespace, configMap: name, resourceVersion };
    } catch (err) {
      const status = (err as { status?: number }).status;
      throw new AppError({
        type: 'api_error',
        code: status === 409 ? 'configmap_changed' : 'configmap_unwritable',
        status: status === 409 ? 409 : 502,
        message:
          status === 409
            ? `The ConfigMap ${namespace}/${name} changed while it was written: apply again.`
            : `The chaos could not be written: ${(err as Error).message}`,
        expose: true,
        cause: err,
      });
    }
  };
}
