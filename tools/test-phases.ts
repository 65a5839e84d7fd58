/**
 * `make test`: runs the test phases one after another, each with its output as it comes (jest's own
 * closing lines included), then a summary of every phase with its time and test counts, so a slow or
 * failing phase is visible. A failed phase does not stop the next ones: the summary shows them all,
 * and the exit code is 1 when any failed. Under a jest phase, its slowest test files.
 *
 *   node tools/test-phases.ts [--only id,id]     (make test PHASES=id,id)
 *
 * Adding a phase is one line in `phases` below.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pc from 'picocolors';

/**
 * `report`: how the phase leaves its counts: `jest` (its `--json` report), or `summary` (the command
 * takes `--summary-file F` and writes jest's `numPassedTests`/`numFailedTests` keys there).
 */
type Phase = { id: string; what: string; command: [program: string, ...args: string[]]; report?: 'jest' | 'summary' };

const jest = (...args: string[]): Phase['command'] => ['npm', 'test', '--', ...args];
/** A jest path pattern (a regex over absolute paths) for a folder of this repository. */
const root = resolve(import.meta.dirname, '..');
const under = (folder: string): string => `^${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/${folder}`;

// prettier-ignore
const phases: Phase[] = [
  { id: 'type-check', what: 'tsc --noEmit', command: ['npm', 'run', 'typecheck'] },
  { id: 'lint', what: 'eslint, prettier', command: ['npm', 'run', 'lint'] },
  { id: 'unit', what: 'services/*/test', command: jest(under('services/[^/]+/test/')), report: 'jest' },
  { id: 'cross-service', what: 'tests/: real Temporal, services, worker', command: jest(under('tests/'), '--testPathIgnorePatterns', under('tests/http-collections'), under('tests/images'), under('tests/k8s')), report: 'jest' },
  { id: 'collections', what: 'tools/requests/*.http with httpyac', command: jest(under('tests/http-collections')), report: 'jest' },
  { id: 'fuzz', what: 'schemathesis over every /openapi.json', command: ['node', 'tools/fuzz.ts'], report: 'summary' },
  { id: 'images', what: 'every image built and run as containers (root)', command: jest(under('tests/images')), report: 'jest' },
  { id: 'chart', what: 'helm lint --strict, helm unittest of charts/fake-stripe', command: ['node', 'tools/chart-test.ts'], report: 'summary' },
  { id: 'k8s', what: 'charts/fake-stripe and k8s/ installed into a real API server (kwok nodes)', command: jest(under('tests/k8s')), report: 'jest' },
];

type Counts = { passed: number; failed: number; skipped: number };
/** `slowest`: a jest phase's test files that took longest, so the summary shows where its time goes. */
type Outcome = { phase: Phase; ok: boolean; ms: number; tests?: Counts; slowest?: Array<{ file: string; ms: number }> };
type Report = Partial<Record<'numPassedTests' | 'numFailedTests' | 'numPendingTests', number>> & {
  testResults?: Array<{ name: string; startTime: number; endTime: number }>;
};

const SLOWEST_FILES = 3;

/** The counts of a jest-shaped report (and its slowest files), when the phase wrote one. */
function readReport(file: string): Pick<Outcome, 'tests' | 'slowest'> {
  let r: Report;
  try {
    r = JSON.parse(readFileSync(file, 'utf8')) as Report;
  } catch {
    return {}; // jest did not get as far as a report
  }
  const slowest = (r.testResults ?? [])
    .map((t) => ({ file: relative(root, t.name), ms: t.endTime - t.startTime }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, SLOWEST_FILES);
  return {
    tests: { passed: r.numPassedTests ?? 0, failed: r.numFailedTests ?? 0, skipped: r.numPendingTests ?? 0 },
    ...(slowest.length > 1 && { slowest }),
  };
}

function runPhase(phase: Phase, index: number, total: number, dir: string): Promise<Outcome> {
  const report = join(dir, `${phase.id}.json`);
  const reportArgs = { jest: ['--json', `--outputFile=${report}`], summary: ['--summary-file', report] };
  const command: Phase['command'] = phase.report ? [...phase.command, ...reportArgs[phase.report]] : phase.command;
  console.log(pc.bold(`\n▶ phase ${index + 1}/${total}: ${phase.id} (${phase.what})`));
  console.log(pc.dim(`  $ ${phase.command.join(' ')}`));
  const t0 = performance.now();
  return new Promise((resolve) => {
    const [program, ...args] = command;
    const child = spawn(program, args, { stdio: 'inherit' });
    const done = (ok: boolean): void =>
      resolve({ phase, ok, ms: performance.now() - t0, ...(phase.report && readReport(report)) });
    child.once('error', (err) => {
      console.error(pc.red(`  could not start ${program}: ${err.message}`));
      done(false);
    });
    child.once('exit', (code) => done(code === 0));
  });
}

const seconds = (ms: number): string =>
  ms < 60_000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${Math.floor(ms / 60_000)} min ${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')} s`;

function summary(outcomes: Outcome[], totalMs: number): void {
  const slowest = outcomes.reduce((a, b) => (b.ms > a.ms ? b : a));
  const width = Math.max(...outcomes.map((o) => o.phase.id.length));
  console.log(pc.bold('\n── make test: phases ──'));
  for (const o of outcomes) {
    const mark = o.ok ? pc.green('✔') : pc.red('✘');
    const t = o.tests;
    const counts = t
      ? `${t.passed} passed${t.failed ? pc.red(`, ${t.failed} failed`) : ''}${t.skipped ? `, ${t.skipped} skipped` : ''}`
      : o.phase.report
        ? pc.red('no report')
        : '';
    const slow = o === slowest && outcomes.length > 1 ? pc.yellow('  ← slowest') : '';
    console.log(`  ${mark} ${o.phase.id.padEnd(width)}  ${seconds(o.ms).padStart(10)}  ${counts}${slow}`);
    for (const f of o.slowest ?? [])
      console.log(pc.dim(`    ${' '.repeat(width)}${seconds(f.ms).padStart(10)}  ${f.file}`));
  }
  const failed = outcomes.filter((o) => !o.ok);
  console.log(
    `  ${' '.repeat(width + 2)}${seconds(totalMs).padStart(10)}  total; ${failed.length === 0 ? pc.green('every phase passed') : pc.red(`failed: ${failed.map((o) => o.phase.id).join(', ')}`)}`,
  );
  // The plain closing line of every counted phase together: `tests: N passed, N failed[, N skipped]`.
  const ran = outcomes.flatMap((o) => (o.tests ? [o.tests] : []));
  if (ran.length > 0) {
    const sum = (k: 'passed' | 'failed' | 'skipped'): number => ran.reduce((n, t) => n + t[k], 0);
    console.log(
      `tests: ${sum('passed')} passed, ${sum('failed')} failed${sum('skipped') ? `, ${sum('skipped')} skipped` : ''}`,
    );
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const only = (values.only ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = only.filter((id) => !phases.some((p) => p.id === id));
  if (unknown.length > 0) {
    console.error(`unknown phase ${unknown.join(', ')}; phases: ${phases.map((p) => p.id).join(', ')}`);
    return 2;
  }
  const selected = only.length > 0 ? phases.filter((p) => only.includes(p.id)) : phases;
  const dir = mkdtempSync(join(tmpdir(), 'fake-stripe-phases-'));
  const t0 = performance.now();
  const outcomes: Outcome[] = [];
  let interrupted = false;
  process.once('SIGINT', () => (interrupted = true)); // the child gets it too; print what ran
  try {
    for (const [i, phase] of selected.entries()) {
      outcomes.push(await runPhase(phase, i, selected.length, dir));
      if (interrupted) break;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  summary(outcomes, performance.now() - t0);
  return interrupted ? 130 : outcomes.every((o) => o.ok) ? 0 : 1;
}

process.exit(await main());
