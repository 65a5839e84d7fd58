/**
 * The request collections (tools/requests/*.http) run with httpyac, request by request, against the
 * real platform on ephemeral ports (tests/harness.ts: Temporal dev server, the domain services, the
 * public-apis stand-in, a worker, the API) plus the user-context service. Each request asserts its
 * status (and, where it waits for the result, the order's final status) in its own script; here every
 * request must have run, with at least one assertion, all of them passing. So a collection that
 * drifts from the API fails.
 *
 * The collections read their variables from tools/requests/http-client.env.json; this test runs them
 * with a `test` environment that has exactly the keys of the committed `local` one, with this
 * platform's URLs and tokens.
 */
import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startInProcess, tempDir } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { createUserContextService, envSchema as userContextEnv } from '@fake-stripe/user-context';
import { startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

const requestsDir = join(repoRoot, 'tools/requests');
const httpyac = join(repoRoot, 'node_modules/httpyac/bin/httpyac.js');
const collections = readdirSync(requestsDir).filter((f) => f.endsWith('.http'));
const committedEnv = JSON.parse(readFileSync(join(requestsDir, 'http-client.env.json'), 'utf8')) as Record<
  string,
  Record<string, string>
>;
const tokens = { manager: 'test-manager-token', secret: 'test-customer-secret', admin: 'test-admin-token' };

/** One `=== title ===` block of httpyac's output: a request it sent, with its assertions. */
type Block = { title: string; text: string; status?: number; passed: string[]; failed: string[] };

let p: Platform;
let userContext: Running;
let work: { dir: string; remove: () => void };

beforeAll(async () => {
  // Labels take 3 s, so the cancellation scenario can catch an order while its label is being made;
  // a seed turns on the default chaos (reproducibly) for the chaos batch.
  p = await startPlatform({ publicApis: true, labelMs: 3_000, seed: 'http-collections' });
  await p.startWorker();
  const api = await p.startApi({ MANAGER_TOKEN: tokens.manager, CUSTOMER_TOKEN_SECRET: tokens.secret });
  userContext = await startInProcess(
    createUserContextService,
    {
      LOCATION_API_URL: `${p.urls.publicApis}/ipapi`,
      WEATHER_API_URL: `${p.urls.publicApis}/open-meteo`,
      CATFACT_API_URL: `${p.urls.publicApis}/catfact`,
    },
    userContextEnv,
  );
  const test: Record<string, string> = {
    apiUrl: api.url,
    paymentUrl: p.urls.payment,
    inventoryUrl: p.urls.inventory,
    shippingUrl: p.urls.shipping,
    notificationUrl: p.urls.notification,
    publicApisUrl: p.urls.publicApis,
    userContextUrl: userContext.url,
    managerToken: tokens.manager,
    adminToken: tokens.admin,
    customerTokenSecret: tokens.secret,
    customerId: committedEnv.local!.customerId!,
    resultWait: '60',
  };
  expect(Object.keys(test).sort()).toEqual(Object.keys(committedEnv.local!).sort());
  work = tempDir('fake-stripe-requests-');
  cpSync(requestsDir, work.dir, { recursive: true });
  writeFileSync(join(work.dir, 'http-client.env.json'), JSON.stringify({ ...committedEnv, test }, null, 2));
}, 180_000);
afterAll(async () => {
  await userContext?.close();
  await p?.stop();
  work?.remove();
}, 60_000);

/**
 * Runs one collection with httpyac (`--all`, environment `test`). Its exit code counts every failed
 * assertion; its output is read for what each request did. (Its --json and --junit reports drop the
 * assertions of a loop's first pass, so they are not used.)
 */
function runCollection(file: string): Promise<{ code: number | null; blocks: Block[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [httpyac, 'send', join(work.dir, file), '--all', '--env', 'test', '-o', 'short', '--no-color'],
      { cwd: work.dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, blocks: parseBlocks(stdout), stderr }));
  });
}

function parseBlocks(output: string): Block[] {
  return output
    .split(/^-{21}$/m)
    .map((text) => text.trim())
    .flatMap((text) => {
      const title = /^=== (.*) ===$/m.exec(text)?.[1];
      if (title === undefined) return [];
      const lines = text.split('\n');
      const status = /^=> (\d{3}) /m.exec(text)?.[1];
      return [
        {
          title,
          text,
          ...(status && { status: Number(status) }),
          passed: lines.filter((l) => l.startsWith('✓ ')).map((l) => l.slice(2)),
          failed: lines.filter((l) => l.startsWith('✖ ')).map((l) => l.slice(2)),
        },
      ];
    });
}

/** The request regions of a collection: each `### title` and the text up to the next one. */
function regions(file: string): Array<{ title: string; text: string }> {
  return readFileSync(join(requestsDir, file), 'utf8')
    .split(/^### /m)
    .slice(1)
    .map((region) => ({ title: region.slice(0, region.indexOf('\n')).trim(), text: region }));
}

describe('request collections (httpyac against the platform)', () => {
  it('finds the collections', () => {
    expect(collections.sort()).toEqual(['requests-domain.http', 'requests-order.http', 'requests.http']);
  });

  it.each(collections)('%s: every request asserts its outcome', (file) => {
    const silent = regions(file).filter((r) => !r.text.includes('client.test('));
    expect(silent.map((r) => r.title)).toEqual([]);
  });

  it.each(collections)(
    '%s: every request runs and passes its assertions',
    async (file) => {
      const { code, blocks, stderr } = await runCollection(file);
      // A block per request sent (a loop: one per pass, then its region once more, not sent).
      const sent = blocks.filter((b) => b.status !== undefined || b.failed.length > 0);
      const problems = sent.flatMap((b) =>
        b.failed.length > 0
          ? [`${b.title}:\n${b.text}`]
          : b.passed.length === 0
            ? [`${b.title}: answered ${b.status} and asserted nothing`]
            : [],
      );
      expect({ problems, stderr: stderr.trim() }).toEqual({ problems: [], stderr: '' });
      expect(code).toBe(0);
      // Every region was sent, in order.
      expect([...new Set(sent.map((b) => b.title))]).toEqual(regions(file).map((r) => r.title));
    },
    300_000,
  );
});
