/**
 * Test support: a real public-apis stand-in and a real user-context pointed at it, both in-process
 * on ephemeral ports, and the stand-in's recorded requests of one correlation id.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChaosConfigInput } from '@fake-stripe/kernel';
import { createPublicApisService, envSchema as publicApisEnv } from '@fake-stripe/public-apis';
import type { RequestRecord } from '@fake-stripe/public-apis';
import { eventually, getJson, startInProcess, tempDir } from '@fake-stripe/kernel/testing';
import type { JsonReply } from '@fake-stripe/kernel/testing';
import { createUserContextService, envSchema } from '../src/main.ts';

/** One request the stand-in recorded (its own type). */
export type Recorded = RequestRecord;

export interface Stack {
  publicApisUrl: string;
  url: string;
  /** GET /api/v1/user-context with this query and headers. */
  userContext(query: string, headers?: Record<string, string>): Promise<JsonReply>;
  /** The stand-in's records of a correlation id, once every one of them has ended. */
  recorded(correlationId: string): Promise<Recorded[]>;
  close(): Promise<void>;
}

/** The stand-in's clock in these tests. */
export const STAND_IN_NOW = new Date('2026-06-01T12:34:56Z');

/** Per-source client timeout of user-context unless a test sets it (short ones for forced timeouts). */
export const SOURCE_TIMEOUT_MS = 2_000;

export async function startStack(
  options: { chaos?: ChaosConfigInput; env?: Record<string, string> } = {},
): Promise<Stack> {
  const tmp = tempDir('fake-stripe-user-context-');
  const chaosFile = join(tmp.dir, 'chaos', 'chaos.json');
  mkdirSync(join(tmp.dir, 'chaos'));
  writeFileSync(chaosFile, JSON.stringify(options.chaos ?? { profile: 'off' }));
  // A fixed clock: the stand-in's weather changes with the hour, and a test compares answers.
  const publicApis = await startInProcess(
    (env) => createPublicApisService(env, { now: () => STAND_IN_NOW }),
    { DATA_DIR: tmp.dir, CHAOS_FILE: chaosFile },
    publicApisEnv,
  );
  const timeout = String(SOURCE_TIMEOUT_MS);
  const userContext = await startInProcess(
    createUserContextService,
    {
      LOCATION_API_URL: `${publicApis.url}/ipapi`,
      WEATHER_API_URL: `${publicApis.url}/open-meteo`,
      CATFACT_API_URL: `${publicApis.url}/catfact`,
      LOCATION_TIMEOUT_MS: timeout,
      WEATHER_TIMEOUT_MS: timeout,
      CATFACT_TIMEOUT_MS: timeout,
      ...options.env,
    },
    envSchema,
  );
  // Warm both up (module loading, first connections), so a test's first call is not a cold one.
  await getJson(`${userContext.url}/api/v1/user-context?ip=8.8.8.8`, { 'X-Correlation-Id': 'warm-up' });
  return {
    publicApisUrl: publicApis.url,
    url: userContext.url,
    userContext: (query, headers = {}) => getJson(`${userContext.url}/api/v1/user-context?${query}`, headers),
    recorded: (correlationId) =>
      // A call user-context gave up on ends on the stand-in when its connection closes: wait for it.
      eventually(
        async () =>
          (await getJson(`${publicApis.url}/public-apis/requests?correlationId=${encodeURIComponent(correlationId)}`))
            .body.requests as Recorded[],
        `every recorded call of ${correlationId} to end`,
        { until: (records) => records.every((r) => r.endedAt !== null), timeoutMs: 2_000, intervalMs: 10 },
      ),
    async close() {
      await userContext.close();
      await publicApis.close();
      tmp.remove();
    },
  };
}

export { expectError } from '@fake-stripe/kernel/testing';
