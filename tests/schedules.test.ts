/**
 * The `audit` and `restock` Temporal Schedules through the API, on a real dev server: create, list,
 * describe, pause, unpause, trigger, backfill and delete; the audit runs' reports in
 * /api/v1/audit/history; the restock run topping a low SKU up through the inventory service.
 */
import { createDomainClient } from '@fake-stripe/kernel';
import type { Running } from '@fake-stripe/kernel/testing';
import { eventually, expectError, getJson, postJson, sampleOrderRequest } from '@fake-stripe/kernel/testing';
import { createScheduledActivities } from '@fake-stripe/worker';
import type { Worker } from '@temporalio/worker';
import { runScenario, startPlatform } from './harness.ts';
import type { Platform } from './harness.ts';

const MANAGER = 'test-manager-token';
const asManager = { authorization: `Bearer ${MANAGER}` };
let p: Platform;
let api: Running;
let worker: Worker | undefined;
let running: Promise<void> | undefined;

beforeAll(async () => {
  p = await startPlatform();
  api = await p.startApi({ MANAGER_TOKEN: MANAGER });
  // The platform's worker plus the scheduled workflows' activities, which call this API.
  worker = await p.newWorker({
    activities: createScheduledActivities({
      api: createDomainClient(api.url, 30_000),
      inventoryAdmin: createDomainClient(p.urls.inventory, 2_000, 'test-admin-token'),
    }),
  });
  running = worker.run();
}, 120_000);
afterAll(async () => {
  worker?.shutdown();
  await running;
  await p?.stop();
}, 60_000);

const url = (path: string): string => `${api.url}/api/v1${path}`;
const command = (path: string, body: unknown = {}) => postJson(url(path), body, asManager);
const remove = async (name: string) =>
  fetch(url(`/schedules/${name}`), { method: 'DELETE', headers: asManager }).then(async (r) => ({
    status: r.status,
    body: await r.json(),
  }));
const describe_ = async (name: string) => (await getJson(url(`/schedules/${name}`))).body;
const history = async () => (await getJson(url('/audit/history?limit=100'))).body.runs;

describe('the schedule API', () => {
  afterEach(async () => {
    await remove('audit');
    await remove('restock');
  });

  it('creates, lists, describes, pauses, unpauses and deletes a schedule', async () => {
    const created = await command('/schedules/audit', { everySeconds: 3600, paused: true, note: 'created by a test' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'audit',
      workflowType: 'auditWorkflow',
      everySeconds: 3600,
      paused: true,
      note: 'created by a test',
      overlap: 'SKIP',
      catchupWindowSeconds: 3600,
      runsTaken: 0,
      args: [],
    });
    expectError(await command('/schedules/audit'), 409, { type: 'invalid_request_error', code: 'schedule_exists' });
    // Only a manager changes schedules.
    expectError(await postJson(url('/schedules/restock'), {}), 401, { type: 'invalid_request_error' });
    expectError(await command('/schedules/audit/pause', { bogus: 1 }), 400, { type: 'invalid_request_error' });
    expectError(await command('/schedules/nightly'), 400, { type: 'invalid_request_error', param: 'name' });

    // The list comes from visibility: the new schedule shows after a moment.
    const listed = await eventually(
      async () => (await getJson(url('/schedules'))).body.schedules,
      'the audit schedule in the list',
      { until: (s: Array<{ name: string }>) => s.some((x) => x.name === 'audit'), timeoutMs: 15_000, intervalMs: 200 },
    );
    expect(listed.find((s: { name: string }) => s.name === 'audit')).toMatchObject({
      workflowType: 'auditWorkflow',
      everySeconds: 3600,
    });

    const unpaused = await command('/schedules/audit/unpause', { note: 'back on' });
    expect(unpaused.body).toMatchObject({ paused: false, note: 'back on' });
    expect(unpaused.body.nextRuns.length).toBeGreaterThan(0);
    const paused = await command('/schedules/audit/pause', { note: 'maintenance' });
    expect(paused.body).toMatchObject({ paused: true, note: 'maintenance' });
    expect((await describe_('audit')).paused).toBe(true);

    expect(await remove('audit')).toEqual({ status: 200, body: { name: 'audit', action: 'delete', accepted: true } });
    expectError(await getJson(url('/schedules/audit')), 404, {
      type: 'invalid_request_error',
      code: 'resource_missing',
      param: 'name',
    });
    expectError(await command('/schedules/audit/trigger'), 404, { type: 'invalid_request_error', param: 'name' });
  }, 60_000);

  it('refuses a restock policy for the audit schedule, and an inverted policy for restock', async () => {
    expectError(await command('/schedules/audit', { restock: { threshold: 5 } }), 400, {
      type: 'invalid_request_error',
      param: 'restock',
    });
    expectError(await command('/schedules/restock', { restock: { threshold: 50, targetLevel: 10 } }), 400, {
      type: 'invalid_request_error',
      param: 'restock.targetLevel',
    });
  });

  it('runs on its own at its interval, and not while paused', async () => {
    expect((await command('/schedules/audit', { everySeconds: 10 })).status).toBe(201);
    const ran = await eventually(() => describe_('audit'), 'a scheduled run', {
      until: (d) => d.runsTaken >= 1,
      timeoutMs: 25_000,
      intervalMs: 250,
    });
    expect(ran.recentRuns[0].workflowId).toMatch(/^scheduled-audit-/);
    await command('/schedules/audit/pause');
    const taken = (await describe_('audit')).runsTaken;
    await new Promise((r) => setTimeout(r, 11_000));
    expect((await describe_('audit')).runsTaken).toBe(taken);
  }, 60_000);
});

describe('the audit schedule', () => {
  afterEach(() => remove('audit'));

  it("keeps a triggered run's report, served by /api/v1/audit/history", async () => {
    const order = await postJson(url('/order'), sampleOrderRequest());
    expect(order.status).toBe(201);
    await eventually(
      async () => (await getJson(url(`/order/${order.body.workflowId}/result?wait=5`))).body.status,
      'the order to finish',
      { until: (s) => s === 'completed', timeoutMs: 30_000 },
    );
    const before = (await history()).length;
    expect((await command('/schedules/audit', { paused: true })).status).toBe(201);
    expect((await command('/schedules/audit/trigger')).status).toBe(202);

    const runs = await eventually(history, 'the triggered audit in the history', {
      until: (r) => r.length > before,
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    const [latest] = runs;
    const now = (await getJson(url('/audit'))).body;
    expect(latest).toMatchObject({
      scheduleId: 'audit',
      workflowId: expect.stringMatching(/^scheduled-audit-/),
      report: { ok: true, checkedOrders: now.checkedOrders, violations: [], stuck: [] },
    });
    expect(now.checkedOrders).toBeGreaterThanOrEqual(1);
    // The run is the schedule's action: describe lists it.
    const d = await describe_('audit');
    expect(d.recentRuns.map((r: { workflowId: string }) => r.workflowId)).toContain(latest!.workflowId);
  }, 60_000);

  it('backfills every time of a past window, one run each', async () => {
    expect((await command('/schedules/audit', { everySeconds: 60, paused: true })).status).toBe(201);
    // Whole minutes are the schedule's times; a window from 3.5 to 0.5 minutes ago holds three.
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const times = [3, 2, 1].map((k) => new Date(minute - k * 60_000).toISOString());
    const start = new Date(minute - 210_000).toISOString();
    const end = new Date(minute - 30_000).toISOString();
    expectError(await command('/schedules/audit/backfill', { start: end, end: start }), 400, {
      type: 'invalid_request_error',
      param: 'end',
    });
    expect((await command('/schedules/audit/backfill', { start, end })).status).toBe(202);

    // Each backfilled time's run, by its workflow id (the schedule's id plus the time), with a report.
    const ids = times.map((t) => `scheduled-audit-${t.replace('.000Z', 'Z')}`);
    const runs = await eventually(history, 'three backfilled reports', {
      until: (r: Array<{ workflowId: string }>) => ids.every((id) => r.some((x) => x.workflowId === id)),
      timeoutMs: 45_000,
      intervalMs: 250,
    });
    for (const id of ids)
      expect(runs.find((r: { workflowId: string }) => r.workflowId === id)).toMatchObject({
        scheduleId: 'audit',
        report: { ok: true },
      });
    const d = await describe_('audit');
    expect(d.runsTaken).toBe(3);
    expect(d.recentRuns.map((r: { scheduledAt: string }) => r.scheduledAt).sort()).toEqual(times);
  }, 60_000);
});

describe('the restock schedule', () => {
  afterAll(() => remove('restock'));

  it('tops every SKU below the threshold up to the target level through the inventory service', async () => {
    const admin = { authorization: 'Bearer test-admin-token' };
    const stocked = await postJson(`${p.urls.inventory}/inventory/restock`, { sku: 'LOW-STOCK-1', quantity: 3 }, admin);
    expect(stocked.status).toBe(200);
    const created = await command('/schedules/restock', { paused: true, restock: { threshold: 10, targetLevel: 40 } });
    expect(created.body).toMatchObject({ workflowType: 'restockWorkflow', args: [{ threshold: 10, targetLevel: 40 }] });
    await command('/schedules/restock/trigger');

    const d = await eventually(() => describe_('restock'), 'the restock run', {
      until: (x) => x.runsTaken === 1 && x.running.length === 0,
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    const [run] = d.recentRuns;
    const result = await p.env.client.workflow.getHandle(run.workflowId, run.runId).result();
    // The seeded SKUs hold 100000 each: only the low one is restocked.
    expect(result.restocked).toEqual([{ sku: 'LOW-STOCK-1', available: 3, added: 37 }]);
    expect(result.checkedSkus).toBeGreaterThan(1);
    const stock = (await getJson(`${p.urls.inventory}/inventory/stock`)).body.items;
    expect(stock.find((i: { sku: string }) => i.sku === 'LOW-STOCK-1')).toMatchObject({
      total: 40,
      available: 40,
      reserved: 0,
    });
  }, 60_000);
});

describe('make scenario-schedule', () => {
  it('passes against the platform: trigger, history, backfill, restock, pause, a clean audit', async () => {
    const { code, output } = await runScenario('schedule', {
      API_URL: api.url,
      INVENTORY_URL: p.urls.inventory,
      MANAGER_TOKEN: MANAGER,
      ADMIN_TOKEN: 'test-admin-token',
    });
    expect(output).toContain('✔ schedule passed');
    expect(code).toBe(0);
    // It leaves both schedules paused for a look.
    expect(await describe_('audit')).toMatchObject({ paused: true });
    expect(await describe_('restock')).toMatchObject({ paused: true });
  }, 120_000);
});
