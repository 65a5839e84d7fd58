/**
 * `make chart-test` (`node tools/chart-test.ts`): the static checks of charts/fake-stripe, no cluster:
 * `helm lint --strict` with the chart's defaults and with each `ci/*-values.yaml`, a check that every
 * value in values.yaml has its `# --` comment, a check that each HTTP service's pod gets only
 * variables its env schema reads, and the helm-unittest suites (`tests/*_test.yaml`).
 * One line per check; helm-unittest's own output is printed when it fails. Fails when any check does.
 *
 * `--summary-file F` also writes the totals as `{numPassedTests, numFailedTests}` for `make test`:
 * each lint run, the documentation check and the env check count as one test, each helm-unittest
 * test as one.
 *
 * Env: HELM (the binary, default .tools/bin/helm, the wrapper that finds the unittest plugin).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { platformServices } from '@fake-stripe/kernel/local-stack';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';

const root = resolve(import.meta.dirname, '..');
const chart = join(root, 'charts/fake-stripe');
const HELM = process.env.HELM?.trim() || join(root, '.tools/bin/helm');

interface Check {
  name: string;
  passed: number;
  failed: number;
  output?: string;
}

function helm(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    const child = spawn(HELM, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (err) => done({ code: 127, output: `could not start ${HELM}: ${err.message}` }));
    child.once('close', (code) => done({ code: code ?? 1, output }));
  });
}

async function lint(values?: string): Promise<Check> {
  const { code, output } = await helm([
    'lint',
    '--strict',
    chart,
    ...(values ? ['--values', join(chart, values)] : []),
  ]);
  return {
    name: `helm lint --strict ${values ?? '(defaults)'}`,
    passed: code === 0 ? 1 : 0,
    failed: code === 0 ? 0 : 1,
    output,
  };
}

/**
 * The keys of values.yaml without a comment above them, as dotted paths. A commented key documents
 * everything under it (a map or list given as its value) unless keys under it have comments of
 * their own: then it is a heading, as is an uncommented key holding a map, and its keys are checked.
 */
export function undocumentedValues(text: string): string[] {
  const lines = text.split('\n');
  const undocumented: string[] = [];
  const path: { indent: number; key: string }[] = [];
  let documentedAt = -1; // the indent of the commented key whose value we are inside, or -1
  for (const [i, line] of lines.entries()) {
    const m = /^( *)([A-Za-z][\w.-]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, spaces = '', key = '', value = ''] = m; // every group takes part in a match
    const indent = spaces.length;
    while ((path.at(-1)?.indent ?? -1) >= indent) path.pop();
    path.push({ indent, key });
    if (documentedAt >= 0 && indent > documentedAt) continue;
    documentedAt = -1;
    let j = i - 1;
    while (j >= 0 && /^\s*#(?! --)/.test(lines[j] ?? '')) j--; // a comment's continuation lines
    const commented = j >= 0 && /^\s*# -- \S/.test(lines[j] ?? '');
    const below = lines.slice(i + 1);
    const end = below.findIndex((l) => l.trim() !== '' && !l.startsWith(' '.repeat(indent + 1)));
    const heading = below.slice(0, end < 0 ? undefined : end).some((l) => /^\s*# -- /.test(l));
    if (commented && !heading) documentedAt = indent;
    else if (!commented && value.trim() !== '') undocumented.push(path.map((p) => p.key).join('.'));
  }
  return undocumented;
}

function documentation(): Check {
  const missing = undocumentedValues(readFileSync(join(chart, 'values.yaml'), 'utf8'));
  return {
    name: 'values.yaml: every value has a `# --` comment',
    passed: missing.length === 0 ? 1 : 0,
    failed: missing.length === 0 ? 0 : 1,
    output: missing.length ? `undocumented: ${missing.join(', ')}` : undefined,
  };
}

/**
 * Variables every process reads outside its env schema: the kernel's logger (LOG_LEVEL), telemetry
 * preload (OTEL_*) and SQLite opener (SQLITE_SYNCHRONOUS).
 */
const readByTheKernel = ['LOG_LEVEL', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'SQLITE_SYNCHRONOUS'];
/** The Temporal connection variables the API reads through `@temporalio/envconfig` (`temporal`). */
const readByEnvconfig = ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE'];

/** The env schemas of the HTTP services, as their packages export them (the worker's is not exported). */
async function envSchemas(): Promise<Record<string, z.ZodObject>> {
  const names = platformServices.filter((s) => s !== 'worker');
  // withTemporalConfig wraps an object schema in a preprocess pipe: its output is the object.
  const objectOf = (s: z.ZodObject | z.ZodPipe<z.ZodType, z.ZodObject>): z.ZodObject => ('shape' in s ? s : s.def.out);
  const entries = await Promise.all(
    names.map(async (n) => {
      const { envSchema } = (await import(`@fake-stripe/${n}`)) as {
        envSchema: z.ZodObject | z.ZodPipe<z.ZodType, z.ZodObject>;
      };
      return [n, objectOf(envSchema)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

type Manifest = {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: { template: { spec: { containers: { env?: { name: string }[] }[] } } };
};

/** Each HTTP service's rendered variables (its env ConfigMap and its secret ones) are read by its env schema. */
async function envIsRead(): Promise<Check> {
  const name = 'the variables each HTTP service gets are those its env schema reads';
  const { code, output } = await helm(['template', 'r', chart, '--set', 'otel.endpoint=http://collector:4318']);
  if (code !== 0) return { name, passed: 0, failed: 1, output };
  const docs = parseAllDocuments(output).map((d) => d.toJS() as Manifest | null);
  const schemas = await envSchemas();
  const wrong: string[] = [];
  for (const [service, schema] of Object.entries(schemas)) {
    const keys = Object.keys(schema.shape);
    const read = new Set([...keys, ...readByTheKernel, ...(keys.includes('temporal') ? readByEnvconfig : [])]);
    const component = (d: Manifest | null): d is Manifest =>
      d?.metadata.labels?.['app.kubernetes.io/component'] === service;
    const config = docs.find((d) => component(d) && d.kind === 'ConfigMap' && d.metadata.name.endsWith('-env'));
    const workload = docs.find((d) => component(d) && (d.kind === 'Deployment' || d.kind === 'StatefulSet'));
    if (!config || !workload) {
      wrong.push(`${service}: no env ConfigMap or workload rendered`);
      continue;
    }
    const rendered = [
      ...Object.keys(config.data ?? {}),
      ...(workload.spec?.template.spec.containers[0]?.env ?? []).map((e) => e.name),
    ];
    const unread = rendered.filter((v) => !read.has(v));
    if (unread.length) wrong.push(`${service}: ${unread.join(', ')} not read by its env schema`);
  }
  return { name, passed: wrong.length ? 0 : 1, failed: wrong.length ? 1 : 0, output: wrong.join('\n') };
}

/** helm-unittest's JUnit report: its testcases, and those with a failure or error. */
async function unittest(): Promise<Check> {
  const dir = mkdtempSync(join(tmpdir(), 'fake-stripe-chart-'));
  try {
    const report = join(dir, 'unittest.xml');
    const { code, output } = await helm(['unittest', '--output-type', 'JUnit', '--output-file', report, chart]);
    let cases: string[] = [];
    try {
      cases = readFileSync(report, 'utf8')
        .split(/<testcase\b/)
        .slice(1);
    } catch {
      // no report: helm-unittest did not get as far as running the suites
    }
    const failed = cases.filter((c) => /<(failure|error)\b/.test(c.split('</testcase>')[0] ?? '')).length;
    const ok = code === 0 && cases.length > 0;
    return {
      name: `helm unittest (${cases.length} tests in tests/*_test.yaml)`,
      passed: cases.length - failed,
      failed: ok ? failed : Math.max(failed, 1),
      output,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'summary-file': { type: 'string' } } });
  const ciFiles = readdirSync(join(chart, 'ci'))
    .filter((f) => f.endsWith('-values.yaml'))
    .sort();
  const checks: Check[] = [
    await lint(),
    ...(await Promise.all(ciFiles.map((f) => lint(`ci/${f}`)))),
    documentation(),
    await envIsRead(),
  ];
  checks.push(await unittest());
  for (const c of checks) {
    console.log(`${c.failed ? '✘' : '✔'} ${c.name}: ${c.passed} passed${c.failed ? `, ${c.failed} failed` : ''}`);
    if (c.failed && c.output) console.log(c.output.replace(/^/gm, '    '));
  }
  const sum = (k: 'passed' | 'failed'): number => checks.reduce((n, c) => n + c[k], 0);
  console.log(`chart: ${sum('passed')} passed, ${sum('failed')} failed`);
  const summaryFile = values['summary-file'];
  if (summaryFile)
    writeFileSync(summaryFile, JSON.stringify({ numPassedTests: sum('passed'), numFailedTests: sum('failed') }));
  return sum('failed') === 0 ? 0 : 1;
}

if (import.meta.main) process.exit(await main());
