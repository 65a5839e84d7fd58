/**
 * `make fuzz` (`node tools/fuzz.ts [service ...]`, default every service): schemathesis over every
 * service's `/openapi.json` with all its checks, against the real platform on ephemeral ports: a
 * Temporal dev server, the domain services, the public-APIs stand-in, user-context, a worker and the
 * API, in this process (tests/harness.ts), chaos off. Each document is corrected first
 * (tools/fuzz/spec-patches.ts), and the cases generated as valid are completed with the rules JSON
 * Schema cannot state (tools/fuzz/hooks.py). Fails when any service has a failure.
 *
 * Env: SCHEMATHESIS (the binary, default .tools/bin/schemathesis), FUZZ_EXAMPLES (examples per
 * operation, 25), FUZZ_SEED (1), FUZZ_LOG_LEVEL (the services' pino level, error), FUZZ_REPORT_DIR
 * (where each service's document and JUnit report go, .data/fuzz).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const env = (name: string, fallback: string): string => process.env[name]?.trim() || fallback;
// Before the services load: their loggers read LOG_LEVEL once, and the harness TEMPORAL_LOG_LEVEL.
process.env.LOG_LEVEL = env('FUZZ_LOG_LEVEL', 'error');
process.env.TEMPORAL_LOG_LEVEL ??= 'ERROR';

const SCHEMATHESIS = env('SCHEMATHESIS', join(root, '.tools/bin/schemathesis'));
const EXAMPLES = env('FUZZ_EXAMPLES', '25');
const SEED = env('FUZZ_SEED', '1');
const REPORT_DIR = resolve(root, env('FUZZ_REPORT_DIR', '.data/fuzz'));
const MANAGER_TOKEN = 'fuzz-manager-token';

const { startFuzzPlatform } = await import('./fuzz/platform.ts');
const { patchDocument } = await import('./fuzz/spec-patches.ts');

interface Outcome {
  service: string;
  exitCode: number;
  seconds: number;
}

/** The service's document, corrected, written where schemathesis reads it. */
async function documentOf(service: string, url: string): Promise<string> {
  const res = await fetch(`${url}/openapi.json`);
  if (!res.ok) throw new Error(`${service}: GET /openapi.json answered ${res.status}`);
  const file = join(REPORT_DIR, `${service}.openapi.json`);
  writeFileSync(file, JSON.stringify(patchDocument((await res.json()) as Record<string, unknown>), null, 2));
  return file;
}

function schemathesis(service: string, document: string, url: string, headers: string[]): Promise<number> {
  const args = [
    '--config-file',
    join(root, 'tools/fuzz/schemathesis.toml'),
    '--no-color',
    'run',
    document,
    '--url',
    url,
    '--checks',
    'all',
    '--max-examples',
    EXAMPLES,
    '--seed',
    SEED,
    '--workers',
    '1',
    '--report',
    'junit',
    '--report-junit-path',
    join(REPORT_DIR, `${service}.junit.xml`),
    ...headers.flatMap((h) => ['--header', h]),
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(SCHEMATHESIS, args, {
      // In the report directory, so nothing schemathesis writes lands in the repository.
      cwd: REPORT_DIR,
      stdio: 'inherit',
      env: {
        ...process.env,
        SCHEMATHESIS_HOOKS: 'hooks',
        PYTHONPATH: join(root, 'tools/fuzz'),
        PYTHONDONTWRITEBYTECODE: '1',
      },
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolvePromise(code ?? (signal ? 128 : 1)));
  });
}

async function main(): Promise<number> {
  if (!existsSync(SCHEMATHESIS)) {
    console.error(`schemathesis not found at ${SCHEMATHESIS} (run make setup, or set SCHEMATHESIS)`);
    return 2;
  }
  mkdirSync(REPORT_DIR, { recursive: true });
  const platform = await startFuzzPlatform({ MANAGER_TOKEN });
  const only = process.argv.slice(2);
  const unknown = only.filter((s) => !(s in platform.urls));
  if (unknown.length > 0) {
    console.error(`unknown service(s): ${unknown.join(', ')}; known: ${Object.keys(platform.urls).join(', ')}`);
    await platform.stop();
    return 2;
  }
  const outcomes: Outcome[] = [];
  try {
    for (const [service, url] of Object.entries(platform.urls)) {
      if (only.length > 0 && !only.includes(service)) continue;
      const started = Date.now();
      console.log(`\n▶ ${service} (${url})`);
      // The API's manager token, so its manager endpoints run their handlers rather than only a 401.
      const headers = service === 'api' ? [`Authorization: Bearer ${MANAGER_TOKEN}`] : [];
      const exitCode = await schemathesis(service, await documentOf(service, url), url, headers);
      outcomes.push({ service, exitCode, seconds: (Date.now() - started) / 1000 });
    }
  } finally {
    await platform.stop();
  }
  console.log('\nservice        result   seconds');
  for (const o of outcomes)
    console.log(
      `${o.service.padEnd(14)} ${(o.exitCode === 0 ? 'ok' : `FAIL ${o.exitCode}`).padEnd(8)} ${o.seconds.toFixed(1)}`,
    );
  console.log(`documents and JUnit reports: ${REPORT_DIR}`);
  return outcomes.every((o) => o.exitCode === 0) ? 0 : 1;
}

process.exit(await main());
