/**
 * Server processes for tools/bench.ts: each writes its output to a log file (as `make up` does, so
 * the benchmark process never reads log lines), is ready when GET /ready answers 200 (whatever the
 * log level), and is sampled for RSS through /proc.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
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

/** A free TCP port on 127.0.0.1 (the server gets it through PORT, so readiness needs no log line). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const ready = (url: string): Promise<boolean> =>
  fetch(`${url}/ready`).then(
    async (res) => (await res.arrayBuffer(), res.ok),
    () => false,
  );

/** Starts `node <args>` on a free port and resolves once GET /ready answers 200. */
export async function startServer(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, args, {
    env: { ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  running.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && child.exitCode === null) {
    if (await ready(url)) return { name, pid: child.pid!, url, logFile, stop };
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
