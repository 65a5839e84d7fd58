/**
 * Test support: a real public-apis stand-in on an ephemeral port, its chaos file in a temp directory
 * (chaos off unless a test asks for more), its clock when a test sets one, and a check of the one
 * error shape.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChaosConfigInput } from '@fake-stripe/kernel';
import { startInProcess, tempDir } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { createPublicApisService, envSchema } from '../src/main.ts';

export interface StandIn {
  url: string;
  running: Running;
  close(): Promise<void>;
}

export async function startPublicApis(
  options: { chaos?: ChaosConfigInput; env?: Record<string, string>; now?: () => Date } = {},
): Promise<StandIn> {
  const tmp = tempDir('fake-stripe-public-apis-');
  const chaosFile = join(tmp.dir, 'chaos', 'chaos.json');
  mkdirSync(join(tmp.dir, 'chaos'));
  writeFileSync(chaosFile, JSON.stringify(options.chaos ?? { profile: 'off' }));
  const running = await startInProcess(
    (env) => createPublicApisService(env, { now: options.now }),
    { DATA_DIR: tmp.dir, CHAOS_FILE: chaosFile, ...options.env },
    envSchema,
  );
  return {
    url: running.url,
    running,
    async close() {
      await running.close();
      tmp.remove();
    },
  };
}

export { expectError } from '@fake-stripe/kernel/testing';
