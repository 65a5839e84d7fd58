import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { ClientConnectConfig } from '@temporalio/envconfig';
import { z } from 'zod';
import { LOCAL_TEMPORAL_ADDRESS } from './local-stack.ts';

/**
 * The Temporal connection, read once by Temporal's own environment configuration: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_GRPC_META_*, and a TOML profile
 * (TEMPORAL_PROFILE in TEMPORAL_CONFIG_FILE or the default file), the variables winning over the
 * file. The worker, the API and the scenario CLI all connect with it.
 */
export interface TemporalConfig {
  /** Options of `Connection` (client) and `NativeConnection` (worker); the address always set. */
  connection: ClientConnectConfig['connectionOptions'] & { address: string };
  namespace: string;
}

/** Blank variables count as unset, as for every other variable (envconfig would take '' as a value). */
export function loadTemporalConfig(env: Record<string, unknown> = process.env): TemporalConfig {
  const vars = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].trim() !== ''),
  );
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: vars });
  const connection = Object.fromEntries(Object.entries(connectionOptions).filter(([, v]) => v !== undefined));
  return {
    connection: { ...connection, address: connectionOptions.address ?? LOCAL_TEMPORAL_ADDRESS },
    namespace: namespace ?? 'default',
  };
}

/**
 * A service's env schema plus `temporal`, the connection envconfig reads from the same variables:
 * `loadEnv(withTemporalConfig(schema))` still parses once at start-up and fails fast on a bad file.
 */
export const withTemporalConfig = <T extends z.ZodRawShape>(schema: z.ZodObject<T>) =>
  z.preprocess(
    (raw) => (typeof raw === 'object' && raw !== null ? { ...raw, temporal: loadTemporalConfig({ ...raw }) } : raw),
    schema.extend({ temporal: z.custom<TemporalConfig>((v) => typeof v === 'object' && v !== null) }),
  );
