/**
 * The local stack: node tools/stack.ts up [--detach] | down | status | logs
 * [--service a,b]. Every service of tools/stack/services.ts runs as its own process group, its
 * output appended to $DATA_DIR/logs/<name>.log and its pid in $DATA_DIR/run/<name>.pid.
 * Env: DATA_DIR (.data), STACK_READY_TIMEOUT (seconds, 30), STACK_STOP_GRACE (seconds, 10), and
 * the services' own variables, passed through (AUTH, SERVICE_TOKEN, ADMIN_TOKEN, MANAGER_TOKEN,
 * CUSTOMER_TOKEN_SECRET, LOG_LEVEL, ALLOW_CHAOS_FORCING, ...; their local defaults are services.ts's
 * localDefaults).
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import Table from 'cli-table3';
import pc from 'picocolors';
import { follow, printer } from './stack/logs.ts';
import { dataDir as data, localDefaults, services } from './stack/services.ts';
import type { Probe, ServiceDef } from './stack/services.ts';

process.chdir(path.resolve(import.meta.dirname, '..'));
const seconds = (name: string, fallback: number): number => (Number(process.env[name]) || fallback) * 1000;
const READY_TIMEOUT_MS = seconds('STACK_READY_TIMEOUT', 30);
const STOP_GRACE_MS = seconds('STACK_STOP_GRACE', 10);

const logFile = (s: ServiceDef): string => path.join(data, 'logs', `${s.name}.log`);
const pidFile = (s: ServiceDef): string => path.join(data, 'run', `${s.name}.pid`);
const size = (file: string): number => (fs.existsSync(file) ? fs.statSync(file).size : 0);
const print = printer(services.map((s) => s.name));
const say = (s: ServiceDef, msg: string): void => print(s.name, pc.bold(msg));

function envFor(s: ServiceDef): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: data };
  for (const [k, v] of Object.entries({ ...localDefaults, ...s.env })) env[k] ||= v;
  env.CHAOS_FILE = path.join(data, 'chaos', `${s.name}.json`);
  if (s.port) env.PORT = String(s.port);
  return env;
}

/** True while `pid` exists and is not a zombie (nothing may reap orphans in a container). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return !/^\d+ \(.*\) Z/s.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** The pid of `s` from its pid file, when that process is alive and still runs `s`. */
function runningPid(s: ServiceDef): number | null {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile(s), 'utf8').trim());
  } catch {
    return null;
  }
  if (!(pid > 0) || !alive(pid)) return null;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes(s.name)) return null; // the pid was reused by another program
  } catch {
    // no procfs: trust the pid file
  }
  return pid;
}

/** Signals the process group of `pid` (each service leads its own), else the process alone. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM, then SIGKILL after the grace period; removes the pid file. */
async function stop(s: ServiceDef, pid: number): Promise<string> {
  signal(pid, 'SIGTERM');
  const until = Date.now() + STOP_GRACE_MS;
  while (alive(pid) && Date.now() < until) await sleep(100);
  const killed = alive(pid);
  if (killed) signal(pid, 'SIGKILL');
  fs.rmSync(pidFile(s), { force: true });
  return killed ? `killed after ${STOP_GRACE_MS / 1000} s (pid ${pid})` : `stopped (pid ${pid})`;
}

const run = promisify(execFile);
/** The outcome of a probe: `answered` is false when nothing answered at all (the process is down). */
type Check = { ok: boolean; answered: boolean; detail: string };

async function probe(p: Probe): Promise<Check> {
  if ('url' in p) {
    try {
      const res = await fetch(p.url, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return { ok: res.status === 200, answered: true, detail: `GET ${p.url}: ${res.status}` };
    } catch {
      return { ok: false, answered: false, detail: `GET ${p.url}: no answer` };
    }
  }
  const [program, ...args] = p.command;
  const shown = [path.basename(program), ...args].join(' ');
  let output: string;
  try {
    const { stdout, stderr } = await run(program, args, { timeout: 5000 });
    output = stdout + stderr;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    const why = (e.stderr || e.message).trim().split('\n')[0] ?? '';
    return { ok: false, answered: false, detail: `${shown}: ${why}` };
  }
  const missing = p.expect.filter((re) => !re.test(output));
  return {
    ok: missing.length === 0,
    answered: true,
    detail: missing.length ? `${shown}: output lacks ${missing.join(', ')}` : shown,
  };
}

/** Every probe of `s`, in order, up to the first that fails. */
async function check(s: ServiceDef): Promise<Check> {
  let last: Check = { ok: true, answered: true, detail: '' };
  for (const p of s.ready) {
    last = await probe(p);
    if (!last.ok) return last;
  }
  return last;
}

/** True once `file` has a pino line with `msg` after byte `from`. */
function logged(file: string, from: number, msg: string): boolean {
  let text: string;
  try {
    text = fs.readFileSync(file).subarray(from).toString('utf8');
  } catch {
    return false;
  }
  return text.split('\n').some((line) => {
    try {
      return (JSON.parse(line) as { msg?: unknown }).msg === msg;
    } catch {
      return false;
    }
  });
}

/** Polls the probes of `s` (and, for a process started here, its ready log line) until they pass. */
async function waitReady(s: ServiceDef, exited: Promise<string>, logFrom?: number): Promise<void> {
  let gone: string | undefined;
  void exited.then((why) => (gone = why));
  // A process told to log less than info (LOG_LEVEL=warn make up) never writes its ready line.
  const logsInfo = ['trace', 'debug', 'info'].includes(envFor(s).LOG_LEVEL?.trim() || 'info');
  const until = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const c = await check(s);
    const logOk = !s.readyLog || logFrom === undefined || !logsInfo || logged(logFile(s), logFrom, s.readyLog);
    if (c.ok && logOk) return;
    if (gone !== undefined) throw new Error(`exited before it was ready (${gone})`);
    if (Date.now() > until) {
      const why = c.ok ? `no "${s.readyLog}" log line` : c.detail;
      throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s (${why})`);
    }
    await sleep(250);
  }
}

/**
 * Runs `stopOne` for every entry, each only after the entries that depend on it or call it have stopped
 * (the API and the worker before the services and Temporal they call), independent ones in parallel.
 */
async function inReverseOrder<T>(
  entries: Array<[ServiceDef, T]>,
  stopOne: (s: ServiceDef, v: T) => Promise<void>,
): Promise<void> {
  const done = new Map<string, Promise<void>>();
  for (const [s, v] of [...entries].reverse()) {
    const dependents = entries
      .filter(([d]) => d.dependsOn?.includes(s.name) || d.calls?.includes(s.name))
      .flatMap(([d]) => done.get(d.name) ?? []);
    done.set(
      s.name,
      Promise.allSettled(dependents).then(() => stopOne(s, v)),
    );
  }
  await Promise.all(done.values());
}

/**
 * Starts each service once the services it depends on are ready (independent ones in parallel); a
 * service whose dependency failed is not started. Resolves the services that failed to start.
 */
async function inDependencyOrder(
  defs: ServiceDef[],
  startOne: (s: ServiceDef) => Promise<void>,
): Promise<Array<{ s: ServiceDef; why: string }>> {
  const failures: Array<{ s: ServiceDef; why: string }> = [];
  const pending = new Map<string, Promise<void>>();
  for (const s of defs) {
    const deps = (s.dependsOn ?? []).flatMap((d) => pending.get(d) ?? []);
    const run = async (): Promise<void> => {
      const results = await Promise.allSettled(deps);
      if (results.some((r) => r.status === 'rejected')) {
        say(s, `not started: ${s.dependsOn?.join(', ')} failed`);
        throw new Error('a dependency failed');
      }
      await startOne(s).catch((err: Error) => {
        failures.push({ s, why: err.message });
        throw err;
      });
    };
    pending.set(s.name, run());
  }
  await Promise.allSettled([...pending.values()]);
  return failures;
}

/**
 * Starts `s` in its own process group, its output appended to its log file and its pid in its pid
 * file; `exited` resolves with why it exited.
 */
async function spawnLogged(s: ServiceDef): Promise<{ child: ChildProcess & { pid: number }; exited: Promise<string> }> {
  const out = fs.openSync(logFile(s), 'a');
  const [cmd, ...args] = s.command;
  const child = spawn(cmd, args, {
    detached: true,
    env: envFor(s),
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<string>((resolve) => {
    child.on('error', (err) => resolve(err.message));
    child.on('exit', (code, sig) => resolve(sig ?? `code ${code}`));
  });
  if (child.pid === undefined) throw new Error(`could not start: ${await exited}`);
  fs.writeFileSync(pidFile(s), `${child.pid}\n`);
  return { child: child as ChildProcess & { pid: number }, exited };
}

async function up(defs: ServiceDef[], detach: boolean): Promise<void> {
  for (const dir of ['logs', 'run', 'chaos']) fs.mkdirSync(path.join(data, dir), { recursive: true });
  const started = new Map<ServiceDef, ChildProcess & { pid: number }>();
  const offsets = new Map<ServiceDef, number>();
  const skipped: string[] = []; // already running before this command
  const followers: Array<() => void> = []; // log followers, foreground mode only
  let ready = false;
  let stopping = false;
  const stopAll = async (): Promise<void> => {
    if (stopping) {
      // a second Ctrl-C: no more waiting
      for (const [s, c] of started) {
        signal(c.pid, 'SIGKILL');
        fs.rmSync(pidFile(s), { force: true });
        say(s, `killed (pid ${c.pid})`);
      }
      return;
    }
    stopping = true;
    if (started.size > 0) console.log(pc.dim(`stopping${ready ? ' (Ctrl-C again to kill)' : ''} ...`));
    const results: Array<[ServiceDef, string]> = [];
    const order = defs.flatMap((s): Array<[ServiceDef, number]> => {
      const child = started.get(s);
      return child ? [[s, child.pid]] : [];
    });
    await inReverseOrder(order, async (s, pid) => void results.push([s, await stop(s, pid)]));
    followers.forEach((flush) => flush()); // print the services' last words first
    for (const [s, result] of results) say(s, result);
    if (skipped.length > 0) console.log(`left running: ${skipped.join(', ')} (make down stops them)`);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(sig, () => void stopAll().then(() => process.exit(ready ? 0 : 1)));

  const startOne = async (s: ServiceDef): Promise<void> => {
    const running = runningPid(s);
    if (running) {
      say(s, `already running (pid ${running}), not started`);
      skipped.push(s.name);
      return waitReady(s, new Promise(() => {}));
    }
    const t0 = Date.now();
    offsets.set(s, size(logFile(s)));
    const { child, exited } = await spawnLogged(s);
    started.set(s, child);
    void exited.then((why) => {
      if (stopping) return;
      started.delete(s);
      fs.rmSync(pidFile(s), { force: true });
      if (ready) print(s.name, pc.red(pc.bold(`exited (${why})`)));
    });
    await waitReady(s, exited, offsets.get(s));
    say(s, `ready (pid ${child.pid}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  };

  const failures = await inDependencyOrder(defs, startOne);
  if (failures.length > 0) {
    for (const { s, why } of failures) {
      console.log(pc.red(`\n${s.name} ${why}; last lines of ${logFile(s)}:`));
      follow(logFile(s), { tail: 30 }, (line) => print(s.name, line))();
    }
    await stopAll();
    process.exit(1);
  }
  ready = true;
  urlTable(defs);
  if (detach) {
    started.forEach((c) => c.unref());
    console.log('Running in the background: make logs, make status, make down.');
    return process.exit(0);
  }
  console.log(pc.dim('Streaming logs; Ctrl-C stops the services started here.'));
  for (const s of defs) {
    const from = offsets.get(s) ?? size(logFile(s));
    followers.push(follow(logFile(s), from, (line) => print(s.name, line)));
  }
}

const clip = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}...` : s);
const newTable = (head: string[]): Table.Table =>
  new Table({ head: head.map((h) => pc.bold(h)), style: { head: [], border: [], compact: true } });

function urlTable(defs: ServiceDef[]): void {
  const table = newTable(['service', 'url', 'api docs', 'metrics']);
  for (const s of defs) table.push([s.name, s.url ?? '-', s.docs ?? '-', s.metrics ?? '-']);
  console.log(table.toString());
  console.log(tracesLine());
}

/** Where the services' traces go: the OTLP/HTTP endpoint the telemetry preload exports to, or nowhere. */
function tracesLine(env: NodeJS.ProcessEnv = process.env): string {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const url = traces || (base && `${base.replace(/\/+$/, '')}/v1/traces`);
  return url
    ? `traces: exported over OTLP/HTTP (JSON) to ${url}`
    : 'traces: not exported (OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318 make up sends them to a collector or Jaeger)';
}

async function down(defs: ServiceDef[]): Promise<void> {
  const said: string[] = [];
  await inReverseOrder(
    defs.map((s) => [s, runningPid(s)]),
    async (s, pid) => {
      if (pid) said.push(`${s.name}: ${await stop(s, pid)}`);
      else if (fs.existsSync(pidFile(s))) {
        fs.rmSync(pidFile(s), { force: true });
        said.push(`${s.name}: not running (stale pid file removed)`);
      }
    },
  );
  console.log(said.length > 0 ? said.join('\n') : 'nothing was running');
}

/** One row per service; exits 1 unless every one is ready. */
async function status(defs: ServiceDef[]): Promise<void> {
  const table = newTable(['service', 'process', 'ready', 'url']);
  const rows = await Promise.all(defs.map(async (s) => ({ s, pid: runningPid(s), c: await check(s) })));
  for (const { s, pid, c } of rows) {
    const proc = pid
      ? pc.green(`running (pid ${pid})`)
      : !c.answered
        ? pc.dim('stopped')
        : pc.yellow('running (not started by make up)');
    const ok = c.ok ? pc.green('ready') : !c.answered && !pid ? pc.dim('-') : pc.red(clip(c.detail));
    table.push([s.name, proc, ok, s.url ?? s.metrics ?? '-']);
  }
  console.log(table.toString());
  if (rows.some((r) => !r.c.ok)) process.exitCode = 1;
}

function logs(defs: ServiceDef[]): void {
  for (const s of defs) follow(logFile(s), { tail: 20 }, (line) => print(s.name, line));
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0));
}

function select(list: string | undefined): ServiceDef[] {
  const names = (list ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !services.some((s) => s.name === n));
  if (unknown.length > 0) {
    console.error(`unknown service: ${unknown.join(', ')} (known: ${services.map((s) => s.name).join(', ')})`);
    process.exit(2);
  }
  return names.length > 0 ? services.filter((s) => names.includes(s.name)) : services;
}

const usage = 'usage: node tools/stack.ts up [--detach] | down | status | logs [--service a,b]';
const args = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        detach: { type: 'boolean', default: false },
        service: { type: 'string', short: 's' },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return process.exit(2);
  }
})();
const { values, positionals } = args;
const defs = select(values.service);
const commands: Record<string, () => unknown> = {
  up: () => up(defs, values.detach),
  down: () => down(defs),
  status: () => status(defs),
  logs: () => logs(defs),
};
const command = commands[positionals[0] ?? ''];
if (!command) {
  console.error(usage);
  process.exit(2);
}
await command();
