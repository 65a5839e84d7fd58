/**
 * A chaos preset for every chaos ConfigMap of the release in the kind cluster (the Tiltfile's chaos
 * buttons; by hand: node tools/k8s/chaos-preset.ts fast). Each ConfigMap gets its service's
 * document with `kubectl patch`; the pods read the mounted file, which the kubelet refreshes within
 * about a minute, and apply it without a restart (a document a service refuses is logged and the
 * last good one stays).
 *
 *   node tools/k8s/chaos-preset.ts <off|default|fast> [--print]
 *
 * Env: KIND_CLUSTER (fake-stripe), K8S_NAMESPACE (fake-stripe), RELEASE (fake-stripe).
 */
import { execFileSync } from 'node:child_process';

/** The services with a chaos ConfigMap (`<release>-<service>-chaos`). */
export const chaosServices = ['payment', 'inventory', 'shipping', 'notification', 'public-apis'] as const;
export type ChaosService = (typeof chaosServices)[number];

/** The presets: each service's chaos document (the shape of `PUT /<domain>/chaos`). */
export const chaosPresets: Record<string, (service: ChaosService) => Record<string, unknown>> = {
  /** Every call succeeds at once: the happy path, always. */
  off: () => ({ profile: 'off' }),
  /** The seed's mixes and latencies (README, "Chaos"). */
  default: () => ({ profile: 'default' }),
  /** The default mixes, but a timeout answers after 2 s and a label takes ~2 s, not ~20 s. */
  fast: (service) => ({
    profile: 'default',
    timeoutMs: 2000,
    ...(service === 'shipping' && { overrides: { createLabel: { latency: { baseMs: 2000, jitterMs: 500 } } } }),
  }),
};

function main(argv: string[]): number {
  const [preset, flag] = argv;
  const documentOf = preset && Object.hasOwn(chaosPresets, preset) ? chaosPresets[preset] : undefined;
  if (!documentOf) {
    console.error(`usage: node tools/k8s/chaos-preset.ts <${Object.keys(chaosPresets).join('|')}> [--print]`);
    return 2;
  }
  const context = `kind-${process.env.KIND_CLUSTER || 'fake-stripe'}`;
  const namespace = process.env.K8S_NAMESPACE || 'fake-stripe';
  const release = process.env.RELEASE || 'fake-stripe';
  for (const service of chaosServices) {
    const configMap = `${release}-${service}-chaos`;
    const patch = JSON.stringify({ data: { 'chaos.json': JSON.stringify(documentOf(service), null, 2) } });
    if (flag === '--print') {
      console.log(`${configMap} ${patch}`);
      continue;
    }
    execFileSync(
      'kubectl',
      ['--context', context, '-n', namespace, 'patch', 'configmap', configMap, '--type', 'merge', '-p', patch],
      {
        stdio: 'inherit',
      },
    );
  }
  if (flag !== '--print')
    console.log(
      `chaos preset ${preset} written to ${chaosServices.length} ConfigMaps; the pods apply it within ~1 min`,
    );
  return 0;
}

if (import.meta.main) process.exit(main(process.argv.slice(2)));
