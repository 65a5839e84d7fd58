/**
 * `node tools/measure-rss.ts`: the resident memory of the nine processes of a `make up` stack (the
 * eight services, run as the images run them: `node --import <telemetry preload>
 * services/<name>/src/main.ts`, and the Temporal dev server with its Web UI, as k8s/temporal-dev.yaml
 * runs it in kind with TEMPORAL_MODE=dev): the figures the chart's requests and limits come from.
 * The stack is tools/bench/local-stack.ts's (`make up` in a temp dir, on free loopback ports, chaos
 * off). It
 * prints each process's RSS idle (IDLE_SETTLE_S after every service is ready), after 300 reads of
 * /openapi.json and /metrics and 20 orders through the API, and its peak (pidusage sampled every
 * 200 ms from its pid file's appearance: the worker's peak is its workflow bundle being loaded at
 * start; a bundle it has to make is made in a child process, not counted), and the totals.
 * `make bench`'s rss part (tools/bench/stack-bench.ts) reads the idle figures with stackRss.
 */
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chaosServices, platformServices } from '@fake-stripe/kernel/local-stack';
import { sampleOrderRequest } from '@fake-stripe/kernel/testing';
import { localStack } from './bench/local-stack.ts';
import { rssMb, samplePeakRss } from './bench/process.ts';

/** Seconds a stack is left alone after it is ready before its idle RSS is read. */
export const IDLE_SETTLE_S = 10;

export interface StackRss {
  /** Each process's resident memory (MB), largest first, and its proportional share (PSS, MB). */
  processes: Array<{ name: string; pid: number; mb: number; pssMb?: number }>;
  /** The sum of the RSS: a page shared by several processes (Node's own code) counts in each. */
  totalMb: number;
  /** The sum of the PSS: a shared page counts once, split between its processes (Linux only). */
  totalPssMb?: number;
}

/** A process's proportional set size (MB): its private pages, and each shared page ÷ its sharers. */
function pssMb(pid: number): number | undefined {
  try {
    const kb = /^Pss:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined; // not Linux, or gone
  }
}

/** The resident memory of each process (name → pid) now, and their sums. */
export async function stackRss(pids: Record<string, number>): Promise<StackRss> {
  const processes = await Promise.all(
    Object.entries(pids).map(async ([name, pid]) => ({ name, pid, mb: await rssMb(pid), pssMb: pssMb(pid) })),
  );
  processes.sort((a, b) => b.mb - a.mb);
  const pss = processes.map((p) => p.pssMb);
  return {
    processes,
    totalMb: processes.reduce((n, p) => n + p.mb, 0),
    ...(pss.every((x) => x !== undefined) && { totalPssMb: pss.reduce((n, x) => n + x, 0) }),
  };
}

const mb = (n: number): string => `${Math.round(n)} MB`;

async function main(): Promise<void> {
  const stack = await localStack('fake-stripe-rss-');
  fs.mkdirSync(path.join(stack.dir, 'chaos'));
  for (const name of chaosServices)
    fs.writeFileSync(path.join(stack.dir, 'chaos', `${name}.json`), '{"profile":"off"}');
  /** Each process's peak sampler, started as its pid file appears: stopping it resolves the peak. */
  const peaks: Record<string, () => Promise<number>> = {};
  const watch = setInterval(() => {
    for (const [name, pid] of Object.entries(stack.pids())) peaks[name] ??= samplePeakRss(pid);
  }, 100);
  try {
    const up = await stack.up();
    clearInterval(watch);
    console.log(`stack ready in ${up.seconds.toFixed(1)} s (make up, data in ${stack.dir})`);
    await sleep(IDLE_SETTLE_S * 1000);
    const idle = await stackRss(stack.pids());
    const http = platformServices.filter((name) => name !== 'worker');
    for (const name of http)
      for (let i = 0; i < 300; i++)
        await (await fetch(`${stack.url(name)}/${i % 2 ? 'metrics' : 'openapi.json'}`)).text();
    let accepted = 0;
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${stack.url('api')}/api/v1/order`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(sampleOrderRequest()),
      });
      await res.text();
      if (res.ok) accepted++;
    }
    await sleep(15_000); // the sagas run (chaos off)
    console.log(`orders accepted: ${accepted}/20`);
    const after = await stackRss(stack.pids());
    let peakTotal = 0;
    for (const { name, pid, mb: idleMb } of idle.processes) {
      const now = after.processes.find((p) => p.pid === pid)?.mb ?? 0;
      const peak = (await peaks[name]?.()) ?? now;
      peakTotal += peak;
      console.log(`${name.padEnd(13)} idle ${mb(idleMb)}, after load ${mb(now)}, peak ${mb(peak)}`);
    }
    console.log(
      `${'total'.padEnd(13)} idle ${mb(idle.totalMb)}, after load ${mb(after.totalMb)}, peaks ${mb(peakTotal)}`,
    );
    if (idle.totalPssMb !== undefined && after.totalPssMb !== undefined)
      console.log(
        `${'total PSS'.padEnd(13)} idle ${mb(idle.totalPssMb)}, after load ${mb(after.totalPssMb)} (shared pages counted once)`,
      );
  } finally {
    clearInterval(watch);
    await Promise.all(Object.values(peaks).map((stop) => stop()));
    await stack.down().catch((err: Error) => console.error(err.message));
    stack.remove();
  }
}

if (import.meta.main) await main();
