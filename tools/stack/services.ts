/**
 * The local stack: one row per process that `make up` starts, in start order. Adding a service is
 * one line. `ready` is polled until it answers 200; `dependsOn` names rows that must be ready first.
 */
export type ServiceDef = {
  name: string;
  command: string[];
  /** Sets PORT for the process; omit for processes that are not HTTP services. */
  port?: number;
  ready: string;
  url?: string;
  docs?: string;
  metrics?: string;
  dependsOn?: string[];
};

/** A koa service of this repository, started with the telemetry preload (SPEC §3, §7). */
const http = (name: string, port: number, dependsOn?: string[]): ServiceDef => ({
  name,
  port,
  command: [process.execPath, '--import', './services/kernel/src/telemetry.ts', `services/${name}/src/main.ts`],
  ready: `http://127.0.0.1:${port}/ready`,
  url: `http://localhost:${port}`,
  docs: `http://localhost:${port}/api/docs`,
  metrics: `http://localhost:${port}/metrics`,
  dependsOn,
});

export const services: ServiceDef[] = [
  http('payment', 3011),
  http('inventory', 3012),
  http('shipping', 3013),
  http('notification', 3014),
];
