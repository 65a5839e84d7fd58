/**
 * A `make up` stack of its own, for the benchmark and tools/measure-rss.ts: `node tools/stack.ts up
 * --detach` (what `make up DETACH=1` runs once its setup check passes), with DATA_DIR in a temp dir
 * and every port moved to a free one of 127.0.0.1 (PORT_<NAME>), so it runs beside the user's stack.
 * The nine processes, their commands and readiness are tools/stack/services.ts's, unchanged.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { localPortsFrom, portVariable } from '@fake-stripe/kernel/local-stack';
import type { LocalProcess } from '@fake-stripe/kernel/local-stack';
import { freePort } from '@fake-stripe/kernel/testing';

const root = path.resolve(import.meta.dirname, '../..');

/** One `stack.ts` command's wall time, each service's ready time as it printed them, and its output. */
export interface Up {
  /** From the command's start to its exit, every service ready (s). */
  seconds: number;
  /** Each service, from its own start to ready (s), as `make up` prints it. */
  readyS: Record<string, number>;
}

/** `<name> │ ready (pid 123, 4.5 s)`, the line `make up` prints when a service it started is ready. */
export function readyTimes(output: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [, name = '', s] of output.matchAll(/^(\S+)\s+│ ready \(pid \d+, ([\d.]+) s\)$/gm)) out[name] = Number(s);
  return out;
}

export interface LocalStack {
  /** Its DATA_DIR (databases, logs, pid files). */
  dir: string;
  /** `http://127.0.0.1:<port>` of a process. */
  url(name: LocalProcess): string;
  /** `make up DETACH=1`: resolves once every service is ready; throws with the output if it failed. */
  up(): Promise<Up>;
  /** `make down`. */
  down(): Promise<void>;
  /** The pid of each process running, from the stack's pid files. */
  pids(): Record<string, number>;
  /** SIGKILLs every process group at once (exit and signal paths). */
  kill(): void;
  /** Removes the data dir (after down). */
  remove(): void;
}

/** A stack in a new temp dir named `prefix…`, on free ports, with `more` in its environment; nothing runs until up(). */
export async function localStack(prefix: string, more: NodeJS.ProcessEnv = {}): Promise<LocalStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const env: NodeJS.ProcessEnv = { ...process.env, ...more, DATA_DIR: dir, NO_COLOR: '1' };
  delete env.FORCE_COLOR;
  for (const name of Object.keys(localPortsFrom({})) as LocalProcess[]) env[portVariable(name)] = `${await freePort()}`;
  const ports = localPortsFrom(env);
  const stack = (command: string): Promise<{ code: number | null; output: string; seconds: number }> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      const child = spawn(process.execPath, ['tools/stack.ts', command, ...(command === 'up' ? ['--detach'] : [])], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('error', reject);
      // exit, not close: the services it started live on and keep nothing of its pipes.
      child.once('exit', (code) => resolve({ code, output, seconds: (performance.now() - t0) / 1000 }));
    });
  const pids = (): Record<string, number> => {
    const run = path.join(dir, 'run');
    if (!fs.existsSync(run)) return {};
    return Object.fromEntries(
      fs
        .readdirSync(run)
        .filter((f) => f.endsWith('.pid'))
        .map((f) => [f.slice(0, -4), Number(fs.readFileSync(path.join(run, f), 'utf8').trim())]),
    );
  };
  return {
    dir,
    url: (name) => `http://127.0.0.1:${ports[name]}`,
    async up() {
      const r = await stack('up');
      if (r.code !== 0)
        throw new Error(`make up failed (exit ${r.code}); logs in ${dir}/logs:\n${r.output.slice(-3000)}`);
      return { seconds: r.seconds, readyS: readyTimes(r.output) };
    },
    async down() {
      const r = await stack('down');
      if (r.code !== 0) throw new Error(`make down failed (exit ${r.code}):\n${r.output.slice(-2000)}`);
    },
    pids,
    kill() {
      for (const pid of Object.values(pids()))
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // gone already
        }
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
