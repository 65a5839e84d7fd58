/**
 * Test support: a real public-apis stand-in on an ephemeral port, its chaos file in a temp directory
 * (chaos off unless a test asks for more), and a check of the one error shape.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChaosConfigInput } from '@fake-stripe/kernel';
import { startInProcess, tempDir } from '@fake-stripe/kernel/testing';
import type { JsonReply, Running } from '@fake-stripe/kernel/testing';
import { createPublicApisService, envSchema } from '../src/main.ts';

export interface StandIn {
  url: string;
  running: Running;
  close(): Promise<void>;
}

export async function startPublicApis(
  options: { chaos?: ChaosConfigInput; env?: Record<string, string> } = {},
): Promise<StandIn> {
  const tmp = tempDir('fake-stripe-public-apis-');
  const chaosFile = join(tmp.dir, 'chaos', 'chaos.json');
  mkdirSync(join(tmp.dir, 'chaos'));
  writeFileSync(chaosFile, JSON.stringify(options.chaos ?? { profile: 'off' }));
  const running = await startInProcess(
    createPublicApisService,
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

/** Asserts the one error shape of SPEC §3.1 (with the request's correlation id) and its fields. */
export function expectError(
  res: JsonReply,
  status: number,
  expected: { type: string; code?: string; param?: string },
): void {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body)).toEqual(['error']);
  const { error } = res.body as { error: Record<string, unknown> };
  for (const k of Object.keys(error)) expect(['type', 'code', 'message', 'param', 'correlation_id']).toContain(k);
  expect(error).toMatchObject(expected);
  expect(error.message).toEqual(expect.any(String));
  expect(error.correlation_id).toBe(res.headers.get('x-correlation-id'));
}
