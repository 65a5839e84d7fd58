/**
 * `make fuzz` (`node tools/fuzz.ts [service ...]`, default every service): schemathesis over every
 * service's `/openapi.json` with all its checks, against the real platform on ephemeral ports: a
 * Temporal dev server, the domain services, the public-APIs stand-in, user-context, a worker and the
 * API, in this process (tests/harness.ts), chaos off. Each document is corrected first
 * (tools/fuzz/spec-patches.ts), and the cases generated as valid are completed with the rules JSON
 * Schema cannot state (tools/fuzz/hooks.py). Fails when any service has a failure.
 *
 * Each service's schemathesis output goes to `<report dir>/<service>.log` and is printed only when
 * that service failed; what is printed is one line per service with its JUnit testcases (one per
 * operation and one for the stateful run) passed and failed. (Schemathesis closes with pytest-style lines such as
 * `=== 1 warning in 38.8s ===`, which a reader of test output takes for a pytest run of no tests.)
 * `--summary-file F` also writes the totals as `{numPassedTests, numFailedTests}` for `make test`.
 *
 * Env: SCHEMATHESIS (the binary, default .tools/bin/schemathesis), FUZZ_EXAMPLES (examples per
 * operation, 25), FUZZ_SEED (1), FUZZ_LOG_LEVEL (the services' pino level, error), FUZZ_REPORT_DIR
 * (where each service's document, log and JUnit report go, .data/fuzz).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

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
const { LOCAL_STRIPE_SECRET_KEY } = await import('@fake-stripe/kernel/local-stack');
const { patchDocument } = await import('./fuzz/spec-patches.ts');

interface Outcome {
  service: string;
  exitCode: number;
  seconds: number;
  /** JUnit testcases passed and failed: one per operation, and one for the stateful run. */
  passed: number;
  failed: number;
}

/** The counts of a schemathesis JUnit report: its testcases, and those with a failure or error. */
function junitCounts(file: string): { passed: number; failed: number } {
  if (!existsSync(file)) return { passed: 0, failed: 0 };
  const cases = readFileSync(file, 'utf8')
    .split(/<testcase\b/)
    .slice(1);
  const failed = cases.filter((c) => /<(failure|error)\b/.test(c.split('</testcase>')[0] ?? '')).length;
  return { passed: cases.length - failed, failed };
}

/** The service's document, corrected, written where schemathesis reads it. */
async function documentOf(service: string, url: string): Promise<string> {
  const res = await fetch(`${url}/openapi.json`);
  if (!res.ok) throw new Error(`${service}: GET /openapi.json answered ${res.status}`);
  const file = join(REPORT_DIR, `${service}.openapi.json`);
  writeFileSync(file, JSON.stringify(patchDocument((await res.json()) as Record<string, unknown>), null, 2));
  return file;
}

function schemathesis(service: string, document: string, url: string, headers: string[], log: string): Promise<number> {
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
  const out = createWriteStream(log);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(SCHEMATHESIS, args, {
      // In the report directory, so nothing schemathesis writes lands in the repository.
      cwd: REPORT_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SCHEMATHESIS_HOOKS: 'hooks',
        PYTHONPATH: join(root, 'tools/fuzz'),
        PYTHONDONTWRITEBYTECODE: '1',
      },
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.once('error', reject);
    child.once('close', (code, signal) => out.end(() => resolvePromise(code ?? (signal ? 128 : 1))));
  });
}

async function main(): Promise<number> {
  if (!existsSync(SCHEMATHESIS)) {
    console.error(`schemathesis not found at ${SCHEMATHESIS} (run make setup, or set SCHEMATHESIS)`);
    return 2;
  }
  mkdirSync(REPORT_DIR, { recursive: true });
  const platform = await startFuzzPlatform({ MANAGER_TOKEN });
  const { values, positionals: only } = parseArgs({
    allowPositionals: true,
    options: { 'summary-file': { type: 'string' } },
  });
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
      const log = join(REPORT_DIR, `${service}.log`);
      const junit = join(REPORT_DIR, `${service}.junit.xml`);
      // The API's manager token, so its manager endpoints run their handlers rather than only a 401;
      // payment's Stripe secret key, so its /v1/ operations run too.
      const token = { api: MANAGER_TOKEN, payment: LOCAL_STRIPE_SECRET_KEY }[service];
      const headers = token ? [`Authorization: Bearer ${token}`] : [];
      const exitCode = await schemathesis(service, await documentOf(service, url), url, headers, log);
      const outcome = { service, exitCode, seconds: (Date.now() - started) / 1000, ...junitCounts(junit) };
      outcomes.push(outcome);
      console.log(
        `${exitCode === 0 ? '✔' : '✘'} ${service.padEnd(13)} ${String(outcome.passed).padStart(3)} passed, ${outcome.failed} failed  ${outcome.seconds.toFixed(1)} s  (log: ${log})`,
      );
      if (exitCode !== 0) process.stdout.write(readFileSync(log, 'utf8'));
    }
  } finally {
    await platform.stop();
  }
  console.log(`documents, logs and JUnit reports: ${REPORT_DIR}`);
  const summaryFile = values['summary-file'];
  if (summaryFile) {
    const sum = (k: 'passed' | 'failed'): number => outcomes.reduce((n, o) => n + o[k], 0);
    writeFileSync(summaryFile, JSON.stringify({ numPassedTests: sum('passed'), numFailedTests: sum('failed') }));
  }
  return outcomes.every((o) => o.exitCode === 0) ? 0 : 1;
}

process.exit(await main());
