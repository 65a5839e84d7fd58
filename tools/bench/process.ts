/**
 * Server processes for tools/bench.ts: each writes its output to a log file (as `make up` does, so
 * the benchmark process never reads log lines), is ready when GET /ready answers 200 (whatever the
 * log level), and is sampled for RSS through /proc.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

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
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

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
  return {
    name,
    pid: child.pid!,
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

/** Resident set size of a process in MB (VmRSS of /proc/<pid>/status). */
export function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}

/** CPU seconds (user + system) a process has used so far (/proc/<pid>/stat, at 100 ticks a second). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Samples a process's RSS every `everyMs` until the returned function is called; it returns the peak. */
export function samplePeakRss(pid: number, everyMs = 200): () => number {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      // the process is gone: keep the peak so far
    }
  }, everyMs);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

/** Writes a benchmark's results as JSON (under .data/bench/) and says where. */
export function writeReport(file: string, report: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results written to ${file}`);
}
