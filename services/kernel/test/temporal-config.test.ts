/** The Temporal connection every process reads the same way: Temporal's envconfig, blank = unset. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadEnv, serviceEnvSchema } from '@fake-stripe/kernel';
import { tempDir } from '@fake-stripe/kernel/testing';
import { loadTemporalConfig, withTemporalConfig } from '@fake-stripe/kernel/temporal-config';
import { z } from 'zod';

const dir = tempDir('temporal-config-');
afterAll(() => dir.remove());
const configFile = join(dir.dir, 'temporal.toml');
writeFileSync(
  configFile,
  [
    '[profile.default]',
    'address = "file-default:7233"',
    'namespace = "file-default-ns"',
    '[profile.staging]',
    'address = "staging.internal:7233"',
    'namespace = "staging"',
    '[profile.staging.grpc_meta]',
    'x-team = "orders"',
  ].join('\n'),
);
// A config file that does not exist: the machine's own ~/.config/temporalio is never read here.
const noFile = { TEMPORAL_CONFIG_FILE: join(dir.dir, 'none.toml') };

describe('loadTemporalConfig', () => {
  it('defaults to the local dev server and the default namespace', () => {
    expect(loadTemporalConfig(noFile)).toEqual({ connection: { address: '127.0.0.1:7233' }, namespace: 'default' });
  });

  it('takes TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE, and counts blank ones as unset', () => {
    expect(loadTemporalConfig({ ...noFile, TEMPORAL_ADDRESS: '10.0.0.5:7233', TEMPORAL_NAMESPACE: 'orders' })).toEqual({
      connection: { address: '10.0.0.5:7233' },
      namespace: 'orders',
    });
    expect(loadTemporalConfig({ ...noFile, TEMPORAL_ADDRESS: ' ', TEMPORAL_NAMESPACE: '' })).toEqual({
      connection: { address: '127.0.0.1:7233' },
      namespace: 'default',
    });
  });

  it('reads a profile from the config file, the variables winning over it', () => {
    expect(loadTemporalConfig({ TEMPORAL_CONFIG_FILE: configFile })).toMatchObject({
      connection: { address: 'file-default:7233' },
      namespace: 'file-default-ns',
    });
    expect(
      loadTemporalConfig({ TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'staging', TEMPORAL_NAMESPACE: 'mine' }),
    ).toEqual({
      connection: { address: 'staging.internal:7233', metadata: { 'x-team': 'orders' } },
      namespace: 'mine',
    });
  });

  it('turns TLS on with an API key (a cloud namespace)', () => {
    expect(loadTemporalConfig({ ...noFile, TEMPORAL_API_KEY: 'k-123' }).connection).toMatchObject({
      apiKey: 'k-123',
      tls: true,
    });
  });
});

describe('withTemporalConfig', () => {
  const schema = withTemporalConfig(serviceEnvSchema.extend({ TASK_QUEUE: z.string().default('q') }));

  it("adds `temporal` beside the service's own variables, parsed from the same environment", () => {
    const env = loadEnv(schema, { TEMPORAL_CONFIG_FILE: configFile, TEMPORAL_PROFILE: 'staging', PORT: '1234' });
    expect(env.PORT).toBe(1234);
    expect(env.TASK_QUEUE).toBe('q');
    expect(env.temporal).toMatchObject({ connection: { address: 'staging.internal:7233' }, namespace: 'staging' });
  });

  it("still names a bad variable of the service's own", () => {
    expect(() => loadEnv(schema, { ...noFile, PORT: 'eighty' })).toThrow(/PORT/);
  });
});
