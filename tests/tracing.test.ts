/**
 * One W3C trace per order, proven with a real OTLP/HTTP receiver: every process of the test stack
 * (the API, the worker, the four domain services, each started with the telemetry preload) exports
 * its spans to a receiver in this process (the kernel's startOtlpReceiver: node:http, OTLP JSON).
 * For a shipped and a compensated order, one trace id covers the API's request span, StartWorkflow,
 * RunWorkflow, every activity and every domain route span, every parent link resolves inside the
 * trace, the drawn chaos outcome is on the domain spans, and the worker's workflow and activity log
 * lines carry the trace id. A signal and an Update continue the trace of the request that sent them:
 * a refused Update reaches the workflow's validator, an accepted one its validator and its handler.
 */
import {
  eventually,
  freePort,
  getJson,
  postJson,
  sampleOrderRequest,
  startOtlpReceiver,
} from '@fake-stripe/kernel/testing';
import type { ReceivedSpan as Span, Spawned } from '@fake-stripe/kernel/testing';
import { orderWorkflowId } from '@fake-stripe/kernel/workflow-definitions';
import { activityRuns, resolveThroughApi, startPlatform, startStuckOrder } from './harness.ts';
import type { Platform, WorkerProcess } from './harness.ts';

// OTLP span kinds (opentelemetry/proto/trace/v1/trace.proto).
const SERVER = 2;
const CLIENT = 3;

const domains = ['payment', 'inventory', 'shipping', 'notification'];
const MANAGER = 'test-manager-token';

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let platform: Platform;
let worker: WorkerProcess;
let api: Spawned;
/** The worker process's own HTTP port: its /metrics has the fulfilment-time histogram. */
let workerPort: number;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  platform = await startPlatform({
    processes: true,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
  workerPort = await freePort();
  [worker, api] = await Promise.all([
    platform.spawnWorker({ PORT: String(workerPort) }),
    platform.spawnApi({ MANAGER_TOKEN: MANAGER }),
  ]);
}, 180_000);

afterAll(async () => {
  await platform?.stop();
  await receiver?.close();
}, 60_000);

/** The API's client span `name` (StartWorkflow:…, SignalWorkflow:…, ...) for `workflowId`, once it arrived. */
const clientSpan = (name: string, workflowId: string): Promise<Span> =>
  eventually(
    () => receiver.spans.find((s) => s.name === name && s.attributes.temporalWorkflowId === workflowId),
    `${name} of ${workflowId}`,
    { timeoutMs: 15_000 },
  );

/** The activity types the workflow ran, and how many attempts each, from its history. */
async function activityAttempts(workflowId: string): Promise<Map<string, number>> {
  const attempts = new Map<string, number>();
  for (const run of await activityRuns(platform, workflowId))
    if (run.attempt > 0) attempts.set(run.type, Math.max(attempts.get(run.type) ?? 0, run.attempt));
  return attempts;
}

/**
 * The trace ids of the fulfilment-time exemplars of `status` on the worker's /metrics (OpenMetrics:
 * `name_bucket{labels} count # {trace_id="…"} value timestamp`).
 */
async function durationExemplars(status: string): Promise<string[]> {
  const text = await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('fake_stripe_order_duration_seconds_bucket{') && l.includes(`status="${status}"`))
    .flatMap((l) => /# \{trace_id="([0-9a-f]{32})"\}/.exec(l)?.[1] ?? []);
}

/** Spans whose parent is not in the trace (not arrived yet, or never sent). */
const orphans = (trace: Span[]): Span[] => {
  const ids = new Set(trace.map((s) => s.spanId));
  return trace.filter((s) => s.parentSpanId !== undefined && !ids.has(s.parentSpanId));
};
/** The worker's HTTP client spans that no domain's server span answers (not arrived yet, or lost). */
const unanswered = (trace: Span[]): Span[] =>
  trace.filter(
    (c) =>
      c.service === 'worker' &&
      c.kind === CLIENT &&
      !trace.some((s) => s.parentSpanId === c.spanId && s.kind === SERVER && domains.includes(s.service)),
  );

/**
 * Places an order through the API process, waits for its final status, and collects its trace: the
 * one StartWorkflow span of its workflow id names the trace; the trace is read once RunWorkflow, a
 * RunActivity per attempt of every activity in the history, and a domain server span for every
 * domain call have arrived, with no orphan left.
 */
async function orderTrace(faults: Record<string, string[]> | undefined, finalStatus: string) {
  const body = sampleOrderRequest(faults ? { faults } : {});
  const workflowId = orderWorkflowId(body.orderId as string);
  const started = await postJson(`${api.url}/api/v1/order`, body);
  expect(started.status).toBe(201);
  const result = await getJson(`${api.url}/api/v1/order/${workflowId}/result?wait=60`);
  expect(result.body).toMatchObject({ status: 'completed', result: { status: finalStatus } });
  const attempts = await activityAttempts(workflowId);

  const start = await clientSpan('StartWorkflow:orderFulfillmentWorkflow', workflowId);
  const trace = await eventually(
    () => {
      const spans = receiver.spans.filter((s) => s.traceId === start.traceId);
      const runs = spans.filter((s) => s.name.startsWith('RunActivity:')).length;
      const expected = [...attempts.values()].reduce((a, b) => a + b, 0);
      const done = spans.some((s) => s.name === 'RunWorkflow:orderFulfillmentWorkflow') && runs === expected;
      return done && orphans(spans).length === 0 && unanswered(spans).length === 0 ? spans : undefined;
    },
    `the whole trace of ${workflowId}`,
    { timeoutMs: 20_000, intervalMs: 100 },
  );
  return { workflowId, trace, attempts, traceId: start.traceId };
}

const byId = (trace: Span[]) => new Map(trace.map((s) => [s.spanId, s]));
const parentOf = (trace: Span[], s: Span): Span | undefined =>
  s.parentSpanId === undefined ? undefined : byId(trace).get(s.parentSpanId);
/** The nearest ancestor of `s` that `match`es. */
const ancestor = (trace: Span[], s: Span, match: (a: Span) => boolean): Span | undefined => {
  for (let a = parentOf(trace, s); a; a = parentOf(trace, a)) if (match(a)) return a;
  return undefined;
};
/** The domains' koa route spans (one per request a domain served in this trace). */
const routeSpans = (trace: Span[]): Span[] =>
  trace.filter((s) => domains.includes(s.service) && s.attributes['koa.type'] === 'router');

/** What every order's trace must show, whatever its outcome. */
function expectOneConnectedTrace(trace: Span[], workflowId: string, attempts: Map<string, number>): void {
  // One root: the API's request span; every other span's parent is in the trace.
  const roots = trace.filter((s) => s.parentSpanId === undefined);
  expect(roots.map((s) => [s.service, s.kind])).toEqual([['api', SERVER]]);
  expect(orphans(trace)).toEqual([]);
  expect(unanswered(trace)).toEqual([]);

  const start = trace.find((s) => s.name === 'StartWorkflow:orderFulfillmentWorkflow');
  expect(start).toMatchObject({ service: 'api', attributes: { temporalWorkflowId: workflowId } });
  expect(ancestor(trace, start!, (a) => a === roots[0])).toBeDefined();

  const run = trace.find((s) => s.name === 'RunWorkflow:orderFulfillmentWorkflow');
  expect(run).toMatchObject({ service: 'worker', attributes: { temporalWorkflowId: workflowId } });
  expect(parentOf(trace, run!)).toBe(start);

  // Every attempt of every activity in the history is a RunActivity span under its StartActivity,
  // under the workflow's span, with its attempt number.
  const runs = trace.filter((s) => s.name.startsWith('RunActivity:'));
  const counted = new Map<string, number>();
  for (const s of runs) {
    const type = s.name.slice('RunActivity:'.length);
    counted.set(type, (counted.get(type) ?? 0) + 1);
    expect(s.service).toBe('worker');
    expect(parentOf(trace, s)?.name).toBe(`StartActivity:${type}`);
    expect(ancestor(trace, s, (a) => a === run)).toBeDefined();
  }
  expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(attempts));
  expect(new Set(runs.map((s) => s.attributes.temporalActivityAttempt))).toEqual(
    new Set([...attempts.values()].flatMap((n) => Array.from({ length: n }, (_, i) => i + 1))),
  );

  // Every domain request of the order: a route span under the worker's fetch client span, under
  // a RunActivity; each operation route carries the chaos outcome drawn for it.
  const routes = routeSpans(trace);
  expect(routes.length).toBeGreaterThan(0);
  for (const r of routes) {
    const server = parentOf(trace, r);
    expect(server).toMatchObject({ service: r.service, kind: SERVER });
    expect(parentOf(trace, server!)).toMatchObject({ service: 'worker', kind: CLIENT });
    expect(ancestor(trace, r, (a) => a.name.startsWith('RunActivity:'))).toBeDefined();
    if (!String(r.attributes['http.route']).includes('/ledger'))
      expect(r.attributes).toEqual(
        expect.objectContaining({ 'chaos.operation': expect.any(String), 'chaos.outcome': expect.any(String) }),
      );
  }
}

/** The worker's workflow log lines (the SDK's workflow logger, through the sinks) of this workflow. */
const workflowLogLines = (workflowId: string): Array<Record<string, unknown>> =>
  worker.lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.sdkComponent === 'workflow' && l.workflowId === workflowId);

describe('one trace per order', () => {
  it('covers a shipped order from the API request to every domain route', async () => {
    const { workflowId, trace, attempts, traceId } = await orderTrace(undefined, 'shipped');
    expect([...attempts.keys()].sort()).toEqual(
      // screenOrder: the fraud check before capture (it calls no domain service).
      [
        'authorizePayment',
        'screenOrder',
        'capturePayment',
        'createShippingLabel',
        'reserveInventory',
        'sendNotification',
      ].sort(),
    );
    expectOneConnectedTrace(trace, workflowId, attempts);
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(['api', 'worker', ...domains]));
    expect(routeSpans(trace).map((r) => r.attributes['chaos.outcome'])).toEqual(routeSpans(trace).map(() => 'success'));

    const logs = await eventually(() => workflowLogLines(workflowId), `workflow log lines of ${workflowId}`);
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs)
      expect(line).toMatchObject({ trace_id: traceId, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(logs[0]).toMatchObject({ service: 'worker', runId: expect.any(String) });

    // Its fulfilment time on the worker's histogram, with the order's trace id as the exemplar.
    await eventually(() => durationExemplars('shipped'), `a fulfilment-time exemplar of ${workflowId}`, {
      until: (ids) => ids.includes(traceId),
    });
  }, 120_000);

  it('covers a compensated order, its retried attempt and its compensations, with the forced outcomes on the domain spans', async () => {
    const faults = { capturePayment: ['timeout'], createShippingLabel: ['address_error'] };
    const { workflowId, trace, attempts, traceId } = await orderTrace(faults, 'failed');
    expect(Object.fromEntries(attempts)).toMatchObject({
      capturePayment: 2,
      createShippingLabel: 1,
      refundPayment: 1,
      releaseInventory: 1,
    });
    expectOneConnectedTrace(trace, workflowId, attempts);

    const outcomes = routeSpans(trace)
      .filter((r) => r.attributes['chaos.forced'] === true)
      .map((r) => [r.attributes['chaos.operation'], r.attributes['chaos.outcome']]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ['capture', 'timeout'],
        ['createLabel', 'address_error'],
      ]),
    );
    // The timed-out attempt and its retry are two RunActivity spans, each with its own domain request.
    const captures = trace.filter((s) => s.name === 'RunActivity:capturePayment');
    expect(captures.map((s) => s.attributes.temporalActivityAttempt).sort()).toEqual([1, 2]);

    const logs = await eventually(() => workflowLogLines(workflowId), `workflow log lines of ${workflowId}`);
    expect(logs.every((l) => l.trace_id === traceId)).toBe(true);
    await eventually(() => durationExemplars('failed'), `a fulfilment-time exemplar of ${workflowId}`, {
      until: (ids) => ids.includes(traceId),
    });
    // The worker's line for the timed-out attempt: the trace, the workflow, the activity and its attempt.
    const failed = worker.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'Activity failed' && l.workflowId === workflowId);
    expect(failed).toContainEqual(
      expect.objectContaining({
        sdkComponent: 'worker',
        activityType: 'capturePayment',
        attempt: 1,
        workflowRunId: expect.any(String),
        trace_id: traceId,
        span_id: captures.find((s) => s.attributes.temporalActivityAttempt === 1)?.spanId,
      }),
    );
  }, 120_000);

  it('carries a signal and an Update into the workflow, and a query from the API, each in the trace of the request that sent it', async () => {
    const body = sampleOrderRequest({ requiresApproval: true });
    const workflowId = orderWorkflowId(body.orderId as string);
    expect((await postJson(`${api.url}/api/v1/order`, body)).status).toBe(201);
    await eventually(
      async () => (await getJson(`${api.url}/api/v1/order/${workflowId}/status`)).body?.status,
      `${workflowId} awaiting approval`,
      { until: (status) => status === 'awaiting_approval', timeoutMs: 30_000, intervalMs: 200 },
    );
    // An operator Update on an order that is not stuck: the workflow's validator refuses it (409).
    const refused = await postJson(
      `${api.url}/api/v1/order/${workflowId}/operator`,
      { action: 'retry' },
      { authorization: `Bearer ${MANAGER}` },
    );
    expect(refused.status).toBe(409);
    const approved = await postJson(
      `${api.url}/api/v1/order/${workflowId}/approve`,
      {},
      {
        authorization: `Bearer ${MANAGER}`,
      },
    );
    expect(approved.status).toBeLessThan(300);
    const result = await getJson(`${api.url}/api/v1/order/${workflowId}/result?wait=60`);
    expect(result.body).toMatchObject({ status: 'completed', result: { status: 'shipped' } });

    // The signal: client span (API) → handler span (workflow), in the trace rooted at the API request.
    const sent = await clientSpan('SignalWorkflow:approve', workflowId);
    const trace = await eventually(
      () => {
        const spans = receiver.spans.filter((s) => s.traceId === sent.traceId);
        return spans.some((s) => s.name === 'HandleSignal:approve') && orphans(spans).length === 0 ? spans : undefined;
      },
      `HandleSignal:approve in the trace of the approve request`,
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    const root = trace.filter((s) => s.parentSpanId === undefined);
    expect(root.map((s) => [s.service, s.kind, s.attributes['http.route']])).toEqual([
      ['api', SERVER, '/api/v1/order/:workflowId/approve'],
    ]);
    expect(sent.service).toBe('api');
    const handled = trace.find((s) => s.name === 'HandleSignal:approve');
    expect(handled).toMatchObject({ service: 'worker', attributes: { temporalWorkflowId: workflowId } });
    expect(parentOf(trace, handled!)).toBe(sent);

    // The Update: client span (API) → the workflow's validator span, in the operator request's trace.
    const update = await clientSpan('StartWorkflowUpdate:operator', workflowId);
    const validated = await eventually(
      () => receiver.spans.find((s) => s.name === 'ValidateUpdate:operator' && s.parentSpanId === update.spanId),
      "ValidateUpdate:operator under the API's StartWorkflowUpdate span",
      { timeoutMs: 15_000 },
    );
    expect(validated).toMatchObject({ service: 'worker', traceId: update.traceId });
    const updateTrace = receiver.spans.filter((s) => s.traceId === update.traceId);
    expect(ancestor(updateTrace, update, (a) => a.parentSpanId === undefined)).toMatchObject({
      service: 'api',
      kind: SERVER,
      attributes: { 'http.route': '/api/v1/order/:workflowId/operator' },
    });

    // The query: its client span in the trace of the status request. (The workflow's HandleQuery
    // span is gated by an SDK flag that only a workflow task, not a query, can set: it is absent.)
    const query = receiver.spans.find(
      (s) => s.name === 'QueryWorkflow:status' && s.attributes.temporalWorkflowId === workflowId,
    );
    expect(query?.service).toBe('api');
    const queryTrace = receiver.spans.filter((s) => s.traceId === query!.traceId);
    expect(ancestor(queryTrace, query!, (a) => a.parentSpanId === undefined)).toMatchObject({
      service: 'api',
      kind: SERVER,
      attributes: { 'http.route': '/api/v1/order/:workflowId/status' },
    });
  }, 120_000);

  it("carries an accepted Update into the workflow's validator and handler spans, both under the API's client span", async () => {
    const stuck = await startStuckOrder(platform);
    await resolveThroughApi(api.url, stuck.workflowId, MANAGER);
    expect(await stuck.result()).toMatchObject({ status: 'failed' });

    const update = await clientSpan('StartWorkflowUpdate:operator', stuck.workflowId);
    const [validated, handled] = await eventually(
      () => {
        const under = receiver.spans.filter((s) => s.parentSpanId === update.spanId);
        const spans = ['ValidateUpdate:operator', 'HandleUpdate:operator'].map((n) => under.find((s) => s.name === n));
        return spans.every(Boolean) ? spans : undefined;
      },
      "ValidateUpdate:operator and HandleUpdate:operator under the API's StartWorkflowUpdate span",
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    for (const span of [validated, handled])
      expect(span).toMatchObject({
        service: 'worker',
        traceId: update.traceId,
        attributes: { temporalUpdateId: expect.any(String) },
      });
    expect(handled?.attributes.temporalUpdateId).toBe(validated?.attributes.temporalUpdateId);
    const updateTrace = receiver.spans.filter((s) => s.traceId === update.traceId);
    expect(ancestor(updateTrace, update, (a) => a.parentSpanId === undefined)).toMatchObject({
      service: 'api',
      kind: SERVER,
      attributes: { 'http.route': '/api/v1/order/:workflowId/operator' },
    });
  }, 120_000);
});
