/**
 * The chaos contract: each knob of the chaos model (docs/chaos.md) flipped on one running stack, and
 * its symptom asserted where a user looks for it: (a) the service's /metrics (the outcome counter,
 * the configured weights, the latency histogram), (b) the chaos attributes on the domain's route span
 * (every process exports its spans to a real OTLP/HTTP receiver in this test), and (c) the activity's
 * attempts in the workflow history. The stack: a Temporal dev server, the four domain services and
 * the worker, each a real process with the telemetry preload; orders are started with the Temporal
 * client. Each case sets the chaos it is about and puts the quiet test chaos back after it.
 */
import { randomBytes } from 'node:crypto';
import { draw } from '@fake-stripe/kernel';
import type { OrderInput } from '@fake-stripe/kernel';
import { eventually, postJson, startOtlpReceiver } from '@fake-stripe/kernel/testing';
import type { ReceivedSpan } from '@fake-stripe/kernel/testing';
import { ORDER_WORKFLOW, orderWorkflowId } from '@fake-stripe/kernel/workflow-definitions';
import type { orderFulfillmentWorkflow } from '@fake-stripe/worker/workflows';
import { activityRuns, orderInput, putChaos, startPlatform, testChaos } from './harness.ts';
import type { ActivityRun, Domain, Platform } from './harness.ts';

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let p: Platform;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  p = await startPlatform({
    processes: true,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
  await p.spawnWorker();
}, 180_000);

afterAll(async () => {
  await p?.stop();
  await receiver?.close();
}, 60_000);

// Back to the test chaos (profile off, 300 ms timeouts) for the next case.
afterEach(() => p?.setChaos());

type Labels = Record<string, string>;
/** A scrape of a service's /metrics: the sum of the samples of `name` that carry `labels`. */
type Scrape = (name: string, labels: Labels) => number;

async function scrape(domain: Domain): Promise<Scrape> {
  const text = await (await fetch(`${p.urls[domain]}/metrics`)).text();
  const samples = text.split('\n').flatMap((line) => {
    // name{labels} value [# exemplar]
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)/.exec(line);
    if (!m) return [];
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    return [{ name: m[1], labels, value: Number(m[3]) }];
  });
  return (name, labels) =>
    samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);
}

/** How much a sample grew from one scrape to the next. */
const grew = (before: Scrape, after: Scrape, name: string, labels: Labels): number =>
  after(name, labels) - before(name, labels);
const outcomes = 'fake_stripe_chaos_outcomes_total';
const duration = 'fake_stripe_http_request_duration_seconds';

/** Runs an order through the worker to its final status; its activities as the history has them. */
async function runOrder(input: OrderInput = orderInput()) {
  const workflowId = orderWorkflowId(input.orderId);
  const handle = await p.env.client.workflow.start<typeof orderFulfillmentWorkflow>(ORDER_WORKFLOW, {
    args: [input],
    taskQueue: p.taskQueue,
    workflowId,
  });
  const state = await handle.result();
  const runs = await activityRuns(p, workflowId);
  const activity = (type: string): ActivityRun => {
    const run = runs.find((r) => r.type === type);
    if (!run) throw new Error(`${workflowId} ran no ${type} (ran: ${runs.map((r) => r.type).join(', ')})`);
    return run;
  };
  return { workflowId, state, activity };
}

const nanos = (v: unknown): bigint => BigInt(String(v));
/** A received span's start and length (OTLP's startTimeUnixNano/endTimeUnixNano, kept by the receiver). */
const timing = (s: ReceivedSpan): { start: bigint; ms: number } => {
  const { startTimeUnixNano, endTimeUnixNano } = s as ReceivedSpan & Record<string, unknown>;
  return { start: nanos(startTimeUnixNano), ms: Number(nanos(endTimeUnixNano) - nanos(startTimeUnixNano)) / 1e6 };
};

/**
 * The `domain`'s route spans of chaos `operation` in a trace, in the order they started, once
 * `count` arrived. `trace`: a trace id, or a workflow id whose RunWorkflow span names the trace.
 */
async function chaosSpans(
  trace: { traceId: string } | { workflowId: string },
  domain: Domain,
  operation: string,
  count: number,
) {
  const traceId =
    'traceId' in trace
      ? trace.traceId
      : (
          await eventually(
            () =>
              receiver.spans.find(
                (s) =>
                  s.name === 'RunWorkflow:orderFulfillmentWorkflow' &&
                  s.attributes.temporalWorkflowId === trace.workflowId,
              ),
            `the RunWorkflow span of ${trace.workflowId}`,
            { timeoutMs: 15_000, intervalMs: 100 },
          )
        ).traceId;
  const spans = await eventually(
    () =>
      receiver.spans.filter(
        (s) => s.traceId === traceId && s.service === domain && s.attributes['chaos.operation'] === operation,
      ),
    `${count} ${domain} ${operation} route span(s) in trace ${traceId}`,
    { until: (found) => found.length >= count, timeoutMs: 15_000, intervalMs: 100 },
  );
  return spans
    .sort((a, b) => (timing(a).start < timing(b).start ? -1 : 1))
    .map((s) => ({
      outcome: s.attributes['chaos.outcome'],
      forced: s.attributes['chaos.forced'],
      attempt: s.attributes['chaos.attempt'],
      ms: timing(s).ms,
    }));
}

describe('each chaos knob, where a user sees it', () => {
  it("an operation's weights: a mix of only out_of_stock declines the reservation once, and the order fails", async () => {
    await putChaos(p.urls.inventory, 'inventory', {
      ...testChaos(),
      overrides: { reserve: { weights: { out_of_stock: 1 } } },
    });
    const before = await scrape('inventory');
    const order = await runOrder();
    expect(order.state.status).toBe('failed');

    const after = await scrape('inventory');
    expect(after('fake_stripe_chaos_weight_ratio', { operation: 'reserve', outcome: 'out_of_stock' })).toBe(1);
    expect(after('fake_stripe_chaos_weight_ratio', { operation: 'reserve', outcome: 'success' })).toBe(0);
    expect(grew(before, after, outcomes, { operation: 'reserve', outcome: 'out_of_stock', forced: 'false' })).toBe(1);
    expect(grew(before, after, outcomes, { operation: 'reserve', outcome: 'success' })).toBe(0);

    const spans = await chaosSpans(order, 'inventory', 'reserve', 1);
    expect(spans).toMatchObject([{ outcome: 'out_of_stock', forced: false }]);

    // A business decline is final: one attempt, failed without retry.
    expect(order.activity('reserveInventory')).toMatchObject({
      attempt: 1,
      completed: false,
      failure: { type: 'out_of_stock', nonRetryable: true },
    });
  }, 60_000);

  it('latency: a 1.2 s base delay on capture shows in the duration histogram, the span and the activity', async () => {
    await putChaos(p.urls.payment, 'payment', {
      ...testChaos(),
      overrides: { capture: { latency: { baseMs: 1_200, jitterMs: 0 } } },
    });
    const before = await scrape('payment');
    const order = await runOrder();
    expect(order.state.status).toBe('shipped');

    const after = await scrape('payment');
    const capture = { route: '/v1/payment_intents/:id/capture', status: '200' };
    expect(grew(before, after, `${duration}_count`, capture)).toBe(1);
    expect(grew(before, after, `${duration}_bucket`, { ...capture, le: '1' })).toBe(0);
    expect(grew(before, after, outcomes, { operation: 'capture', outcome: 'success', forced: 'false' })).toBe(1);

    const [span, ...more] = await chaosSpans(order, 'payment', 'capture', 1);
    expect(more).toEqual([]);
    expect(span).toMatchObject({ outcome: 'success', forced: false });
    expect(span?.ms).toBeGreaterThanOrEqual(1_200);

    // Slow, not failed: one attempt that took the delay.
    const activity = order.activity('capturePayment');
    expect(activity).toMatchObject({ attempt: 1, completed: true });
    expect(activity.durationMs).toBeGreaterThanOrEqual(1_200);
  }, 60_000);

  it('timeoutMs: a timeout answers its 504 after timeoutMs (1.2 s), and the activity retries', async () => {
    await putChaos(p.urls.payment, 'payment', { ...testChaos(), timeoutMs: 1_200 });
    const before = await scrape('payment');
    // The first capture's outcome is a timeout (forced by the order's fault plan), the retry draws.
    const order = await runOrder(orderInput({ faults: { capturePayment: ['timeout'] } }));
    expect(order.state.status).toBe('shipped');

    const after = await scrape('payment');
    const timedOut = { route: '/v1/payment_intents/:id/capture', status: '504' };
    expect(grew(before, after, `${duration}_count`, timedOut)).toBe(1);
    expect(grew(before, after, `${duration}_bucket`, { ...timedOut, le: '1' })).toBe(0);
    expect(grew(before, after, outcomes, { operation: 'capture', outcome: 'timeout', forced: 'true' })).toBe(1);

    const spans = await chaosSpans(order, 'payment', 'capture', 2);
    expect(spans).toMatchObject([
      { outcome: 'timeout', forced: true },
      { outcome: 'success', forced: false },
    ]);
    expect(spans[0]?.ms).toBeGreaterThanOrEqual(1_200);

    const activity = order.activity('capturePayment');
    expect(activity).toMatchObject({ attempt: 2, completed: true, lastFailure: expect.stringContaining('504') });
    // The 504's wait, then Temporal's first backoff (1 s).
    expect(activity.durationMs).toBeGreaterThanOrEqual(2_200);
  }, 60_000);

  it("the seed: authorize's outcomes are the ones the seeded draw predicts for the order's key, attempt by attempt", async () => {
    const weights = { server_error: 1, rate_limited: 1, success: 1 };
    const input = orderInput();
    const workflowId = orderWorkflowId(input.orderId);
    // authorizePayment is the workflow's first activity (id 1): its key is `<workflow id>/1`.
    const key = `${workflowId}/1`;
    const predict = (seed: string, attempt: number): string =>
      draw({ weights, latency: { baseMs: 0, jitterMs: 0, extraMs: 0 } }, seed, 'authorize', key, attempt).outcome;
    const expected = ['server_error', 'rate_limited', 'success'];
    // A seed whose first three draws for this key are those (about one seed in 27 is).
    let n = 0;
    while (expected.some((outcome, i) => predict(`contract-${n}`, i + 1) !== outcome)) n++;
    const seed = `contract-${n}`;
    await putChaos(p.urls.payment, 'payment', { ...testChaos(), seed, overrides: { authorize: { weights } } });

    const before = await scrape('payment');
    const order = await runOrder(input);
    expect(order.state.status).toBe('shipped');

    const after = await scrape('payment');
    for (const outcome of expected)
      expect(grew(before, after, outcomes, { operation: 'authorize', outcome, forced: 'false' })).toBe(1);

    const spans = await chaosSpans(order, 'payment', 'authorize', 3);
    expect(spans).toMatchObject(expected.map((outcome, i) => ({ outcome, forced: false, attempt: i + 1 })));

    expect(order.activity('authorizePayment')).toMatchObject({
      activityId: '1',
      attempt: 3,
      completed: true,
      lastFailure: expect.stringContaining('429'),
    });
  }, 60_000);

  it('forcing: X-Chaos-Outcome takes the outcome instead of drawing it, and an outcome the operation lacks is refused', async () => {
    const before = await scrape('notification');
    const traceId = randomBytes(16).toString('hex');
    const send = (outcome: string) =>
      postJson(
        `${p.urls.notification}/notification/send`,
        { orderId: 'ORD-FORCED', channel: 'email', to: 'test@example.com', template: 'order_shipped' },
        { 'X-Chaos-Outcome': outcome, traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      );
    const forced = await send('server_error');
    expect(forced.status).toBe(500);
    expect(forced.headers.get('x-chaos-outcome')).toBe('server_error');
    const refused = await send('out_of_stock'); // an inventory outcome
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'parameter_invalid', param: 'X-Chaos-Outcome' });

    const after = await scrape('notification');
    expect(grew(before, after, outcomes, { operation: 'send', outcome: 'server_error', forced: 'true' })).toBe(1);
    expect(grew(before, after, outcomes, { operation: 'send' })).toBe(1);

    const spans = await chaosSpans({ traceId }, 'notification', 'send', 1);
    expect(spans).toMatchObject([{ outcome: 'server_error', forced: true }]);
  }, 60_000);

  it("a per-order fault plan: the reservation's first two attempts get the planned faults, the third draws", async () => {
    const before = await scrape('inventory');
    const order = await runOrder(orderInput({ faults: { reserveInventory: ['reset', 'server_error'] } }));
    expect(order.state.status).toBe('shipped');

    const after = await scrape('inventory');
    expect(grew(before, after, outcomes, { operation: 'reserve', outcome: 'reset', forced: 'true' })).toBe(1);
    expect(grew(before, after, outcomes, { operation: 'reserve', outcome: 'server_error', forced: 'true' })).toBe(1);
    expect(grew(before, after, outcomes, { operation: 'reserve', outcome: 'success', forced: 'false' })).toBe(1);

    const spans = await chaosSpans(order, 'inventory', 'reserve', 3);
    expect(spans).toMatchObject([
      { outcome: 'reset', forced: true },
      { outcome: 'server_error', forced: true },
      { outcome: 'success', forced: false },
    ]);

    expect(order.activity('reserveInventory')).toMatchObject({
      attempt: 3,
      completed: true,
      lastFailure: expect.stringContaining('500'),
    });
  }, 60_000);
});
