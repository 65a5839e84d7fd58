/**
 * The orders benchmark's Temporal side (processes are started with process.ts):
 * the Temporal CLI dev server on free ports with its SQLite file in a temp dir, and the workers,
 * ready once their task queue has workflow and activity pollers. Each writes its output to a log file.
 */
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { temporalDevServerFlags } from '@fake-stripe/kernel';
import { freePort } from '@fake-stripe/kernel/testing';
import { spawnChild, waitReady } from './process.ts';
import type { Child } from './process.ts';

export interface DevServer extends Child {
  address: string;
  /** The server's Prometheus endpoint. */
  metricsUrl: string;
  /** The command line, for the report (the SQLite pragmas matter). */
  command: string[];
  version: string;
  connection: Connection;
}

/**
 * `temporal server start-dev` on a free gRPC port, headless, its SQLite file in `dir`, the search
 * attributes registered, `pragmas` as --sqlite-pragma flags, the local stack's dynamic config. Ready once it answers and lists the
 * search attributes; resolves with a client connection to it.
 */
export async function startDevServer(options: {
  binary: string;
  dir: string;
  searchAttributes: Record<string, string>;
  pragmas: string[];
}): Promise<DevServer> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const address = `127.0.0.1:${port}`;
  const args = [
    ...['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless'],
    ...['--metrics-port', String(metricsPort)],
    ...['--db-filename', path.join(options.dir, 'temporal.sqlite'), '--log-level', 'warn'],
    ...temporalDevServerFlags(options),
  ];
  const version = await new Promise<string>((resolve) => {
    const v = spawn(options.binary, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    v.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    v.once('close', () => resolve(text.trim()));
    v.once('error', () => resolve('unknown'));
  });
  const child = spawnChild('temporal', options.binary, args, process.env, path.join(options.dir, 'temporal.log'));
  let connection: Connection | undefined;
  // Ready means the check connected and saw the search attributes: the connection is read after it.
  const ready = await waitReady(
    child,
    async () => {
      connection ??= await Connection.connect({ address, connectTimeout: '1 second' });
      const { customAttributes: have } = await connection.operatorService.listSearchAttributes({
        namespace: 'default',
      });
      return Object.keys(options.searchAttributes).every((key) => have?.[key] !== undefined);
    },
    30_000,
  ).then(() => connection);
  if (!ready) throw new Error(`The dev server at ${address} was ready without a connection.`);
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  return { ...child, address, metricsUrl, command: [options.binary, ...args], version, connection: ready };
}

/** True once `taskQueue` has both workflow and activity pollers (the worker is running). */
export async function hasPollers(connection: Connection, taskQueue: string): Promise<boolean> {
  // TaskQueueType: 1 workflow, 2 activity.
  for (const taskQueueType of [1, 2] as const) {
    const { pollers } = await connection.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      taskQueueType,
    });
    if (!pollers?.length) return false;
  }
  return true;
}

/**
 * The dev server's request counters from its Prometheus endpoint: frontend RPCs by operation
 * (`rpc:<Operation>`), persistence requests by operation (`db:<Operation>`) and the seconds spent in
 * persistence (`dbSeconds`), the same for the visibility store (`vis:<Operation>`, `visSeconds`),
 * each summed over namespaces and services.
 */
export async function serverCounters(metricsUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const out: Record<string, number> = {};
  const add = (key: string, n: number): void => {
    out[key] = (out[key] ?? 0) + n;
  };
  const metric =
    /^(service_requests|persistence_requests|persistence_latency_sum|visibility_persistence_requests|visibility_persistence_latency_sum)\{([^}]*)\} (\S+)$/gm;
  // Every group of both patterns takes part in a match, so the defaults never apply.
  for (const [, name, labelText = '', figure] of text.matchAll(metric)) {
    const labels = Object.fromEntries([...labelText.matchAll(/(\w+)="([^"]*)"/g)].map(([, k = '', v = '']) => [k, v]));
    const value = Number(figure);
    if (name === 'service_requests' && labels.service_name === 'frontend') add(`rpc:${labels.operation}`, value);
    else if (name === 'persistence_requests') add(`db:${labels.operation}`, value);
    else if (name === 'persistence_latency_sum') add('dbSeconds', value);
    else if (name === 'visibility_persistence_requests') add(`vis:${labels.operation}`, value);
    else if (name === 'visibility_persistence_latency_sum') add('visSeconds', value);
  }
  return out;
}
