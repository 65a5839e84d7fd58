/**
 * The dashboards shipped with the chart (charts/fake-stripe/dashboards/*.json) against a real
 * Prometheus (the binary tools/bootstrap.sh builds) scraping a real test stack: every process's
 * /metrics and the worker's Temporal SDK endpoint, every second. After a shipped order (and one
 * shipped without its e-mail, with a capture whose answer was lost), a compensated order and a
 * stuck-then-resolved order, every query of every panel, evaluated through Prometheus' HTTP API,
 * returns data, and every metric it names is one that something exports; and the latency histogram's
 * exemplars carry trace ids into Prometheus.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  eventually,
  freePort,
  getJson,
  postJson,
  repoRoot,
  sampleOrderRequest,
  tempDir,
} from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import type { OrderState } from '@fake-stripe/kernel';
import type { orderFulfillmentWorkflow } from '@fake-stripe/worker/workflows';
import { resolveThroughApi, startPlatform, startStuckOrder } from './harness.ts';
import type { Platform } from './harness.ts';

const PROMETHEUS = join(repoRoot, '.tools/bin/prometheus');
const DASHBOARDS = join(repoRoot, 'charts/fake-stripe/dashboards');
const MANAGER = 'test-manager-token';

type Sample = { metric: Record<string, string>; value: [number, string] };
type Panel = { title?: string; targets?: Array<{ expr?: string; refId?: string }>; panels?: Panel[] };

/** Every panel query of every dashboard: [dashboard file, panel title, refId, expr]. */
function panelQueries(): Array<[string, string, string, string]> {
  const out: Array<[string, string, string, string]> = [];
  const walk = (file: string, panels: Panel[] = []): void => {
    for (const panel of panels) {
      for (const t of panel.targets ?? []) if (t.expr) out.push([file, panel.title ?? '?', t.refId ?? '?', t.expr]);
      walk(file, panel.panels); // a row's panels
    }
  };
  for (const file of readdirSync(DASHBOARDS)
    .filter((f) => f.endsWith('.json'))
    .sort())
    walk(file, (JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as { panels?: Panel[] }).panels);
  return out;
}

/**
 * The metric names a query reads (the prefixes the dashboards use): ours, the Temporal SDK's, and
 * prom-client's process and Node.js runtime metrics.
 */
const metricNames = (expr: string): string[] => [
  ...new Set(expr.match(/\b(?:fake_stripe|temporal|process|nodejs)_[a-z0-9_]+\b/g) ?? []),
];

/** Grafana's interval variables as a concrete window (the test's whole run), like Grafana would. */
const concrete = (expr: string, window: string): string =>
  expr.replace(/\$__rate_interval|\$__interval|\$__range/g, window);

let p: Platform;
/** The worker process's own HTTP port (/health, /ready, /metrics of its kernel registry). */
let healthPort: number;
let api: Running;
let prometheus: { url: string; child: ChildProcess; dir: { remove(): void } } | undefined;
const t0 = Date.now();

async function query(expr: string): Promise<Sample[]> {
  if (!prometheus) throw new Error('Prometheus is not running');
  const url = `${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`;
  const res = await getJson(url);
  if (res.status !== 200 || res.body?.status !== 'success')
    throw new Error(`${expr}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.result as Sample[];
}
const value = async (expr: string): Promise<number | undefined> => {
  const [first] = await query(expr);
  return first ? Number(first.value[1]) : undefined;
};

/** What is wrong with one panel query now: metrics nobody exports, no series, or only NaN. */
async function problems(expr: string, exported: Set<string>, window: string): Promise<string[]> {
  const missing = metricNames(expr).filter((m) => !exported.has(m));
  if (missing.length) return [`names metrics nobody exports: ${missing.join(', ')}`];
  const result = await query(concrete(expr, window));
  if (result.length === 0) return ['returns no series'];
  if (!result.some((s) => Number.isFinite(Number(s.value[1])))) return ['returns only NaN/Inf'];
  return [];
}

/** Starts the built Prometheus on 127.0.0.1 scraping `targets` every second; resolves once all are up. */
async function startPrometheus(targets: Record<string, string>): Promise<NonNullable<typeof prometheus>> {
  const dir = tempDir('fake-stripe-prometheus-');
  const port = await freePort();
  const job = (name: string, target: string, interval = '1s'): string =>
    `  - job_name: ${name}\n    scrape_interval: ${interval}\n    scrape_timeout: ${interval}\n` +
    // The SDK's endpoint answers in the classic text format.
    `    fallback_scrape_protocol: PrometheusText0.0.4\n` +
    `    static_configs:\n      - targets: ['${target}']\n`;
  // The API counts orders per status in Temporal at scrape time: it gets a little longer.
  const config =
    'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n' +
    Object.entries(targets)
      .map(([name, target]) => job(name, target, name === 'api' ? '3s' : '1s'))
      .join('');
  writeFileSync(join(dir.dir, 'prometheus.yml'), config);
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir.dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--enable-feature=exemplar-storage',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const started = { url, child, dir };
  prometheus = started;
  await eventually(async () => (await fetch(`${url}/-/ready`)).ok, `Prometheus ready (stderr: ${stderr})`, {
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  await eventually(
    async () => {
      const res = await getJson(`${url}/api/v1/targets`);
      const active = res.body.data.activeTargets as Array<{ health: string; scrapePool: string; lastError: string }>;
      return active.length === Object.keys(targets).length && active.every((t) => t.health === 'up') ? active : false;
    },
    'every scrape target up',
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  return started;
}

beforeAll(async () => {
  // No Prometheus is a failure, never a skip: this test is the dashboards' only proof.
  if (!existsSync(PROMETHEUS))
    throw new Error(`${PROMETHEUS} is missing: run \`make setup\` (tools/bootstrap.sh builds Prometheus).`);
  p = await startPlatform();
  const sdkPort = await freePort();
  healthPort = await freePort();
  await p.spawnWorker({ METRICS_PORT: String(sdkPort), PORT: String(healthPort) });
  api = await p.startApi({ MANAGER_TOKEN: MANAGER });
  const hostOf = (url: string): string => new URL(url).host;
  await startPrometheus({
    api: hostOf(api.url),
    payment: hostOf(p.urls.payment),
    inventory: hostOf(p.urls.inventory),
    shipping: hostOf(p.urls.shipping),
    notification: hostOf(p.urls.notification),
    worker: `127.0.0.1:${healthPort}`,
    'worker-sdk': `127.0.0.1:${sdkPort}`,
  });
}, 180_000);

afterAll(async () => {
  if (prometheus) {
    const { child, dir } = prometheus;
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    dir.remove();
  }
  await p?.stop();
}, 60_000);

/** The trace ids of the exemplars Prometheus stored for `selector`, once there is one. */
async function exemplarTraceIds(selector: string, what: string): Promise<Array<string | undefined>> {
  const now = Date.now() / 1000;
  const url = `${prometheus?.url}/api/v1/query_exemplars?query=${encodeURIComponent(selector)}&start=${now - 600}&end=${now + 600}`;
  return eventually(
    async () =>
      ((await getJson(url)).body.data as Array<{ exemplars: Array<{ labels: Record<string, string> }> }>).flatMap(
        (series) => series.exemplars.map((e) => e.labels.trace_id),
      ),
    what,
    { until: (ids) => ids.length > 0, timeoutMs: 15_000, intervalMs: 500 },
  );
}

const placeOrder = async (body: Record<string, unknown>): Promise<string> => {
  const res = await postJson(`${api.url}/api/v1/order`, body);
  expect(res.status).toBe(201);
  return res.body.workflowId as string;
};
const resultOf = (workflowId: string): Promise<OrderState> =>
  p.env.client.workflow.getHandle<typeof orderFulfillmentWorkflow>(workflowId).result();
const scraped = (expr: string, until: (v: number | undefined) => boolean, what: string): Promise<number | undefined> =>
  eventually(() => value(expr), what, { until, timeoutMs: 30_000, intervalMs: 500 });

describe('the dashboards', () => {
  it('every panel query returns data after a shipped, a compensated and a stuck-then-resolved order', async () => {
    // A shipped order, scraped, so the order series exist before the next ones move them.
    const first = await placeOrder(sampleOrderRequest());
    expect(await resultOf(first)).toMatchObject({ status: 'shipped' });
    await scraped('sum(fake_stripe_orders_total{status="shipped"})', (v) => v === 1, 'the first shipped order scraped');

    // A refused chaos document (counted), then three orders at once: shipped without its e-mail (its
    // capture's answer lost once: the retry is an idempotent replay), compensated (no address), and
    // stuck (its refund keeps failing through a 3 s window) until an operator resolves it.
    const refused = await fetch(`${p.urls.payment}/payment/chaos`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-admin-token' },
      body: JSON.stringify({ profile: 'no-such-profile' }),
    });
    expect(refused.status).toBe(400);
    const noMail = placeOrder(
      sampleOrderRequest({
        faults: {
          capturePayment: ['commit_then_timeout'],
          sendNotification: Array.from({ length: 5 }, () => 'timeout'),
        },
      }),
    );
    const compensated = placeOrder(sampleOrderRequest({ faults: { createShippingLabel: ['address_error'] } }));
    const stuck = await startStuckOrder(p);
    // The gauge counts it through visibility at scrape time.
    await scraped(
      'max(fake_stripe_orders_in_status{status="compensation_stuck"})',
      (v) => v === 1,
      'Prometheus seeing one order stuck now',
    );
    await resolveThroughApi(api.url, stuck.workflowId, MANAGER);
    expect(await stuck.result()).toMatchObject({ status: 'failed' });
    expect(await resultOf(await noMail)).toMatchObject({ status: 'shipped', notificationFailed: true });
    expect(await resultOf(await compensated)).toMatchObject({ status: 'failed' });

    // Everything scraped: both final statuses twice, no order stuck any more.
    await scraped('sum(fake_stripe_orders_total{status="shipped"})', (v) => v === 2, 'two shipped orders scraped');
    await scraped('sum(fake_stripe_orders_total{status="failed"})', (v) => v === 2, 'two failed orders scraped');
    await scraped(
      'max(fake_stripe_orders_in_status{status="compensation_stuck"})',
      (v) => v === 0,
      'no order stuck now',
    );
    await scraped('sum(fake_stripe_orders_shipped_without_email_total)', (v) => v === 1, 'the order without e-mail');

    // rate() and increase() need two samples of a series in the window, the newest series too: every
    // target scraped twice more from here.
    const settled = Date.now();
    await eventually(
      () => value(`min(count_over_time(up[${Math.max(1, Math.floor((Date.now() - settled) / 1000))}s]))`),
      'every target scraped twice since the last order finished',
      { until: (v) => v !== undefined && v >= 2, timeoutMs: 30_000, intervalMs: 500 },
    );
    const window = `${Math.ceil((Date.now() - t0) / 1000) + 30}s`;
    const exported = new Set((await getJson(`${prometheus?.url}/api/v1/label/__name__/values`)).body.data as string[]);
    const queries = panelQueries();
    expect(queries.length).toBeGreaterThanOrEqual(44);
    const failures: string[] = [];
    for (const [file, title, ref, expr] of queries)
      for (const problem of await problems(expr, exported, window))
        failures.push(`${file} / ${title} / ${ref}: ${problem}\n    ${expr}`);
    expect(failures).toEqual([]);

    // The duration panels' exemplars: the worker process runs with the telemetry preload, so a
    // request to its /ready has a span (/health and /metrics have none), and its trace id reaches
    // Prometheus with the latency observation.
    for (let i = 0; i < 3; i++) expect((await fetch(`http://127.0.0.1:${healthPort}/ready`)).status).toBe(200);
    const traceIds = await exemplarTraceIds(
      'fake_stripe_http_request_duration_seconds_bucket{service="worker", route="/ready"}',
      "a trace-id exemplar of the worker's /ready in Prometheus",
    );
    for (const id of traceIds) expect(id).toMatch(/^[0-9a-f]{32}$/);
    // And the fulfilment-time panels': each order's RunWorkflow trace id, from the worker's histogram
    // (two shipped orders; a bucket keeps its newest exemplar).
    const orderTraceIds = await exemplarTraceIds(
      'fake_stripe_order_duration_seconds_bucket{status="shipped"}',
      "a shipped order's trace-id exemplar in Prometheus",
    );
    for (const id of orderTraceIds) expect(id).toMatch(/^[0-9a-f]{32}$/);
  }, 240_000);

  it('find a metric nobody exports (the check below would fail such a panel)', async () => {
    const exported = new Set((await getJson(`${prometheus?.url}/api/v1/label/__name__/values`)).body.data as string[]);
    expect(exported.has('fake_stripe_http_requests_total')).toBe(true);
    await expect(problems('sum(rate(fake_stripe_http_requests_total[1m]))', exported, '1m')).resolves.toEqual([]);
    await expect(problems('sum(rate(fake_stripe_no_such_metric_total[1m]))', exported, '1m')).resolves.toEqual([
      'names metrics nobody exports: fake_stripe_no_such_metric_total',
    ]);
  });
});
