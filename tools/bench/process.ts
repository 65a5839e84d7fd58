/**
 * Server processes for tools/bench.ts: each writes its output to a log file (as `make up` does, so
 * the benchmark process never reads log lines), is ready when GET /ready answers 200 (whatever the
 * log level), and is sampled for RSS and CPU time with pidusage.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, tempDir } from '@fake-stripe/kernel/testing';
import pc from 'picocolors';
import pidusage from 'pidusage';

export interface Child {
  name: string;
  pid: number;
  logFile: string;
  /** Whether the process is still running. */
  alive(): boolean;
  stop(): Promise<void>;
}

export interface Server extends Child {
  url: string;
}

const running = new Set<ChildProcess>();

/** SIGKILLs every child still running (for exit and SIGINT paths). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** A free TCP port on 127.0.0.1 (a server gets it through PORT, so readiness needs no log line). */

const tail = (logFile: string): string => {
  try {
    return readFileSync(logFile, 'utf8').slice(-2000);
  } catch {
    return '';
  }
};

/** Starts `command args` with its output in `logFile`; stop() sends SIGTERM, then SIGKILL after 10 s. */
export function spawnChild(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): Child {
  const out = openSync(logFile, 'a');
  const child = spawn(command, args, { env, stdio: ['ignore', out, out] });
  closeSync(out);
  running.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const { pid } = child;
  if (pid === undefined) throw new Error(`${name}: ${command} did not start (no pid).`);
  return {
    name,
    pid,
    logFile,
    alive,
    async stop() {
      if (alive()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `check` until it returns true; fails if `child` exits or after `timeoutMs`. */
export async function waitReady(
  child: Child,
  check: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.alive()) {
    if (await check().catch(() => false)) return;
    await sleep(everyMs);
  }
  const why = child.alive() ? `not ready within ${timeoutMs / 1000} s` : 'exited';
  await child.stop();
  throw new Error(`${child.name} ${why} (see ${child.logFile}):\n${tail(child.logFile)}`);
}

const ready = (url: string): Promise<boolean> =>
  fetch(`${url}/ready`).then(async (res) => (await res.arrayBuffer(), res.ok));

/** Starts `node <args>` on a free port and resolves once GET /ready answers 200. */
export async function startServer(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawnChild(name, process.execPath, args, { ...env, HOST: '127.0.0.1', PORT: String(port) }, logFile);
  await waitReady(child, () => ready(url), 20_000, 50);
  return { ...child, url };
}

/** Resident set size of a process in MB. */
export async function rssMb(pid: number): Promise<number> {
  return (await pidusage(pid)).memory / 1024 / 1024;
}

/** CPU seconds (user + system) a process has used so far. */
export async function cpuSeconds(pid: number): Promise<number> {
  return (await pidusage(pid)).ctime / 1000;
}

/** Samples a process's RSS every `everyMs` until the returned function is called; it resolves with the peak. */
export function samplePeakRss(pid: number, everyMs = 200): () => Promise<number> {
  let peak = 0;
  const sample = (): Promise<void> =>
    rssMb(pid).then(
      (mb) => void (peak = Math.max(peak, mb)),
      () => undefined, // the process is gone: keep the peak so far
    );
  let last = sample();
  const timer = setInterval(() => {
    last = sample();
  }, everyMs);
  return async () => {
    clearInterval(timer);
    await last;
    return peak;
  };
}

/** A new temp dir for a part's SQLite files and logs, with a chaos file that turns chaos off. */
export function chaosOffDir(prefix: string): { dir: string; chaosFile: string } {
  const { dir } = tempDir(prefix);
  const chaosFile = join(dir, 'chaos.json');
  writeFileSync(chaosFile, JSON.stringify({ profile: 'off' }));
  return { dir, chaosFile };
}

/** Writes a benchmark's results as JSON (under .data/bench/) and says where. */
export function writeReport(file: string, report: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results written to ${file}`);
}

/** Prints the machine a part runs on and its load average, with a warning when it is busy. */
export function printMachine(part: string): void {
  const load = loadavg(); // always three figures (zeros where the platform has none)
  const shown = load.map((l) => l.toFixed(2)).join(' ');
  console.log(pc.bold(`${part}: node ${process.version}, ${cpus().length} CPUs, load average ${shown}`));
  if ((load[0] ?? 0) > 0.5) console.log(pc.yellow('warning: the machine is busy; other processes skew the figures'));
}
