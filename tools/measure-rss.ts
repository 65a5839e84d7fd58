/**
 * `node tools/measure-rss.ts`: the resident memory of each of the eight processes as the images run
 * them (`node --import <telemetry preload> services/<name>/src/main.ts`), the figures the chart's
 * requests and limits come from. It starts a Temporal dev server (the project's CLI) and every
 * service on ephemeral loopback ports, then prints each process's RSS idle, after 300 reads of
 * /openapi.json and /metrics and 20 orders through the API, and its peak (pidusage sampled every
 * 200 ms, from when a service is ready and from the worker's spawn: the worker's peak is its workflow
 * bundle being built at start). The Temporal dev server's figures too, with its Web UI on, as
 * k8s/temporal-dev.yaml runs it (TEMPORAL_MODE=dev in kind).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chaosServices } from '@fake-stripe/kernel/local-stack';
import { freePort, repoRoot, sampleOrderRequest, spawnService } from '@fake-stripe/kernel/testing';
import { rssMb, samplePeakRss } from './bench/process.ts';

const mb = (n: number): string => `${Math.round(n)} MB`;

const data = mkdtempSync(join(tmpdir(), 'fake-stripe-rss-'));
const children: ChildProcess[] = [];
/** Each process's peak sampler: stopping it resolves the peak. */
const peaks: Record<string, () => Promise<number>> = {};
try {
  const [grpc, http, metrics, ui] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const attributes = ['OrderId=Keyword', 'CustomerId=Keyword', 'OrderStatus=Keyword', 'TotalAmount=Double'];
  const temporal = spawn(
    join(repoRoot, '.tools/bin/temporal'),
    ['server', 'start-dev', '--ip', '127.0.0.1', '--port', `${grpc}`, '--http-port', `${http}`, '--ui-port', `${ui}`]
      .concat(['--metrics-port', `${metrics}`, '--log-level', 'error', '--db-filename', join(data, 'temporal.db')])
      .concat(attributes.flatMap((a) => ['--search-attribute', a])),
    { stdio: 'ignore' },
  );
  children.push(temporal);
  const base = { DATA_DIR: data, ALLOW_CHAOS_FORCING: 'true', ADMIN_TOKEN: 'measure' };
  const pids: Record<string, number> = {};
  const urls: Record<string, string> = {};
  /** The pid of a child that started (one that failed to spawn has none). */
  const pidOf = (name: string, child: ChildProcess): number => {
    if (child.pid === undefined) throw new Error(`${name} did not spawn.`);
    return child.pid;
  };
  const urlOf = (name: string): string => {
    const url = urls[name];
    if (url === undefined) throw new Error(`${name} has not started.`);
    return url;
  };
  const start = async (name: string, env: Record<string, string>): Promise<void> => {
    const s = await spawnService(name, { ...base, ...env });
    children.push(s.child);
    pids[name] = pidOf(name, s.child);
    peaks[name] = samplePeakRss(pids[name]);
    urls[name] = s.url;
  };
  for (const name of chaosServices) {
    const file = join(data, `${name}.chaos.json`);
    writeFileSync(file, '{"profile":"off"}');
    await start(name, { CHAOS_FILE: file });
  }
  const publicApis = {
    LOCATION_API_URL: `${urlOf('public-apis')}/ipapi`,
    WEATHER_API_URL: `${urlOf('public-apis')}/open-meteo`,
    CATFACT_API_URL: `${urlOf('public-apis')}/catfact`,
  };
  await start('user-context', publicApis);
  const clients = {
    ...publicApis,
    TEMPORAL_ADDRESS: `127.0.0.1:${grpc}`,
    PAYMENT_URL: urlOf('payment'),
    INVENTORY_URL: urlOf('inventory'),
    SHIPPING_URL: urlOf('shipping'),
    NOTIFICATION_URL: urlOf('notification'),
  };
  await start('api', { ...clients, MANAGER_TOKEN: 'measure', CUSTOMER_TOKEN_SECRET: 'measure' });
  const worker = spawn(
    process.execPath,
    ['--import', join(repoRoot, 'services/kernel/src/telemetry.ts'), join(repoRoot, 'services/worker/src/main.ts')],
    {
      cwd: repoRoot,
      env: { ...process.env, ...clients, METRICS_PORT: '0', PORT: '0', LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    },
  );
  children.push(worker);
  pids.worker = pidOf('worker', worker);
  peaks.worker = samplePeakRss(pids.worker);
  pids['temporal dev'] = pidOf('temporal', temporal);
  peaks['temporal dev'] = samplePeakRss(pids['temporal dev']);
  await sleep(25_000); // the worker bundles its workflows and starts polling

  const idle = await Promise.all(
    Object.entries(pids).map(async ([name, pid]) => ({ name, pid, idle: await rssMb(pid) })),
  );
  for (const url of Object.values(urls))
    for (let i = 0; i < 300; i++) await (await fetch(`${url}/${i % 2 ? 'metrics' : 'openapi.json'}`)).text();
  let accepted = 0;
  for (let i = 0; i < 20; i++) {
    const res = await fetch(`${urlOf('api')}/api/v1/order`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sampleOrderRequest()),
    });
    await res.text();
    if (res.ok) accepted++;
  }
  await sleep(15_000); // the sagas run (chaos off)
  console.log(`orders accepted: ${accepted}/20`);
  for (const { name, pid, idle: idleMb } of idle) {
    const [after, peak] = [await rssMb(pid), await peaks[name]?.()];
    console.log(`${name.padEnd(13)} idle ${mb(idleMb)}, after load ${mb(after)}, peak ${mb(peak ?? after)}`);
  }
} finally {
  await Promise.all(Object.values(peaks).map((stop) => stop()));
  for (const child of children) child.kill('SIGTERM');
  await sleep(1_000);
  rmSync(data, { recursive: true, force: true });
}
