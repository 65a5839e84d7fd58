/**
 * Server processes for tools/bench.ts: each writes its output to a log file (as `make up` does, so
 * the benchmark process never parses log lines), is found ready by the JSON line it logs with its
 * url, and is sampled for RSS through /proc.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Server {
  name: string;
  pid: number;
  url: string;
  logFile: string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** SIGKILLs every server still running (for exit and SIGINT paths). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

function listeningUrl(logFile: string): string | undefined {
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    try {
      const entry = JSON.parse(line) as { url?: string; msg?: string };
      if (entry.url && entry.msg?.endsWith('listening')) return entry.url;
    } catch {
      // not JSON (a warning on stderr, a partial line)
    }
  }
  return undefined;
}

/** Starts `node <args>` and resolves once it logs that it listens. */
export async function startServer(name: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Promise<Server> {
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', out, out] });
  closeSync(out);
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => running.delete(child), () => undefined);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const url = listeningUrl(logFile);
    if (url) return { name, pid: child.pid!, url, logFile, stop };
    await sleep(50);
  }
  await stop();
  throw new Error(`${name} did not start (see ${logFile}):\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
}

/** Resident set size of a process in MB (VmRSS of /proc/<pid>/status). */
export function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb ? Number(kb) / 1024 : NaN;
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
