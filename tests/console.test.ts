/**
 * The web console (/console/) in a real browser: Debian's chromium driven by playwright-core, against
 * a real platform (Temporal dev server, the four domain services, a worker, the API in this process).
 * The browser may reach only 127.0.0.1: every other host fails to resolve, and any request to one is
 * recorded and fails the run. One page is used throughout, because the tokens live in its
 * sessionStorage. Each page's screenshot goes to CONSOLE_SCREENSHOTS_DIR (.data/console by default;
 * docs/console for the committed ones).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { customerToken, visibilityStatuses } from '@fake-stripe/kernel';
import { getJson, postJson, repoRoot } from '@fake-stripe/kernel/testing';
import type { Running } from '@fake-stripe/kernel/testing';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { startPlatform, startStuckOrder, testTokens } from './harness.ts';
import type { Platform } from './harness.ts';

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const shotsDir = ((dir) => (isAbsolute(dir) ? dir : join(repoRoot, dir)))(
  process.env.CONSOLE_SCREENSHOTS_DIR || '.data/console',
);
const ADMIN_TOKEN = 'test-admin-token'; // the domain services' in tests (kernel/testing)
const WAIT_MS = 60_000;

let p: Platform;
let api: Running;
let browser: Browser;
let page: Page;
const foreignRequests: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `The console tests need chromium at ${CHROMIUM} (Debian's apt package chromium; tools/bootstrap.sh installs it when run as root, or set CHROMIUM).`,
    );
  mkdirSync(shotsDir, { recursive: true });
  p = await startPlatform({ labelMs: 300 });
  await p.startWorker();
  api = await p.startApi({ ...testTokens });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Every host but loopback fails to resolve: the browser cannot reach the internet by accident.
    args: [
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1') return route.continue();
    foreignRequests.push(url.href);
    return route.abort();
  });
  page = await context.newPage();
  await page.goto(`${api.url}/console/`);
  await setToken('Manager token', testTokens.MANAGER_TOKEN);
  await setToken('Admin token', ADMIN_TOKEN);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await p?.stop();
}, 60_000);

afterEach(() => expect(foreignRequests).toEqual([]));

/** Pastes a token into the tokens panel (kept in this page's sessionStorage). */
async function setToken(label: string, value: string): Promise<void> {
  await page.getByText('Tokens').click();
  await page.getByLabel(label).fill(value);
  await page.getByLabel(label).press('Tab'); // change fires on leaving the field
  await page.getByText('Tokens').click();
}

const shot = (name: string) => page.screenshot({ path: join(shotsDir, `${name}.png`), fullPage: true });

/** Waits until the order page's title shows `status`. */
const orderStatus = (status: string) =>
  page.locator('#order-title .badge', { hasText: status.replace('_', ' ') }).waitFor({ timeout: WAIT_MS });

const stepState = (step: string) => page.locator(`li[data-step="${step}"] .step-state`).textContent();

/** Creates an order from the board's form; resolves with its workflow id once its page shows. */
async function createOrder(options: { approval?: boolean } = {}): Promise<string> {
  await page.goto(`${api.url}/console/#/orders`);
  await page.getByLabel("Requires a manager's approval").setChecked(options.approval ?? false);
  await page.getByRole('button', { name: 'Create order' }).click();
  await page.waitForURL(/#\/orders\/order-fulfillment-ORD-CONSOLE-/);
  return decodeURIComponent(new URL(page.url()).hash.replace('#/orders/', ''));
}

describe('the console', () => {
  it('serves its page, its modules and the libraries from the API, and 404s anything else', async () => {
    const index = await fetch(`${api.url}/console/`);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(await index.text()).toContain('importmap');
    const preact = await fetch(`${api.url}/console/vendor/preact.mjs`);
    expect(preact.headers.get('content-type')).toMatch(/javascript/);
    expect((await getJson(`${api.url}/console/..%2Fsrc%2Fmain.ts`)).status).toBe(404);
    expect((await getJson(`${api.url}/console/vendor/react.mjs`)).status).toBe(404);
  });

  it('refuses a launch it cannot run with the reason, and serves no console when CONSOLE_ENABLED=false', async () => {
    const launch = (name: string, body: object) =>
      postJson(`${api.url}/console/api/scenarios/${name}`, body, {
        authorization: `Bearer ${testTokens.MANAGER_TOKEN}`,
      });
    const unknown = await launch('versioning', {});
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/^No scenario versioning \(have happy, approval, .*custom, chaos\)\.$/);
    const noId = await launch('custom', {});
    expect(noId.status).toBe(400);
    expect(noId.body.error.param).toBe('orderId');
    const tooMany = await launch('chaos', { count: 1000 });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.param).toBe('count');
    const listed = await getJson(`${api.url}/console/api/scenarios`);
    expect(listed.body.map((s: { name: string }) => s.name)).toEqual([
      'happy',
      'approval',
      'reject',
      'timeout',
      'cancel',
      'compensation',
      'custom',
      'chaos',
    ]);

    const off = await p.startApi({ ...testTokens, CONSOLE_ENABLED: 'false' });
    expect((await getJson(`${off.url}/console/`)).status).toBe(404);
    expect((await getJson(`${off.url}/console/api/config`)).status).toBe(404);
    expect((await getJson(`${off.url}/health`)).status).toBe(200);
  });

  it('is usable by keyboard: Tab moves through the navigation in order, Enter follows a link', async () => {
    await page.goto(`${api.url}/console/#/orders`);
    await page.getByRole('link', { name: 'Fake Stripe console' }).focus();
    const focused = async () => (await page.locator(':focus').textContent())?.trim();
    const order = [];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press('Tab');
      order.push(await focused());
    }
    expect(order).toEqual(['Orders', 'Chaos', 'Scenario launcher']);
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/launcher$/);
    await page.keyboard.press('Tab'); // on to the Tokens panel's summary
    expect(await focused()).toBe('Tokens');
  });

  it('creates an order that ships, and its timeline shows every step', async () => {
    const workflowId = await createOrder();
    await orderStatus('shipped');
    for (const step of ['authorize', 'reserve', 'capture', 'ship', 'notify'])
      expect(await stepState(step)).toBe('done');
    expect(await stepState('approval')).toBe('skipped');
    expect(await page.locator('li[data-step="authorize"] .attempts').textContent()).toBe('1 attempt');
    expect(await page.locator('li[data-step="ship"] .detail').textContent()).toMatch(/^tracking /);
    const temporalLink = page.getByRole('link', { name: 'Execution in the Temporal UI' });
    expect(await temporalLink.getAttribute('href')).toContain(`/workflows/${workflowId}`);
    await shot('order');

    // The board lists it as shipped, and the customer filter keeps it.
    await page.goto(`${api.url}/console/#/orders`);
    await page.getByLabel('Filter by customer').fill('CUST-001');
    const orderId = workflowId.replace('order-fulfillment-', '');
    await page.locator(`tr[data-order="${orderId}"] .badge`, { hasText: 'shipped' }).waitFor({ timeout: WAIT_MS });
    await page.getByLabel('Filter by customer').fill('CUST-NOBODY');
    await page.getByText('No orders match.').waitFor({ timeout: WAIT_MS });
    await page.getByLabel('Filter by customer').fill('');
    await page.locator(`tr[data-order="${orderId}"]`).waitFor({ timeout: WAIT_MS });
  }, 120_000);

  it("approves an order awaiting a manager's approval", async () => {
    await createOrder({ approval: true });
    await orderStatus('awaiting_approval');
    await page.getByLabel('Reason or note').fill('looks fine');
    await page.getByRole('button', { name: 'Approve' }).click();
    await orderStatus('shipped');
    expect(await page.locator('li[data-step="approval"] .detail').textContent()).toBe('approved by manager');
  }, 120_000);

  it("cancels an order with its customer's token, and refuses another customer's", async () => {
    await createOrder({ approval: true });
    await orderStatus('awaiting_approval');
    await page.getByLabel('Cancel as').selectOption('customer');
    await setToken('Customer token', customerToken(testTokens.CUSTOMER_TOKEN_SECRET, 'CUST-OTHER'));
    await page.getByRole('button', { name: 'Cancel order' }).click();
    await page.getByRole('alert').filter({ hasText: 'Cancel refused:' }).waitFor({ timeout: WAIT_MS });
    await setToken('Customer token', customerToken(testTokens.CUSTOMER_TOKEN_SECRET, 'CUST-001'));
    await page.getByRole('button', { name: 'Cancel order' }).click();
    await orderStatus('cancelled');
    await setToken('Customer token', '');
  }, 120_000);

  it('refuses a bad chaos value with the reason; 100% decline fails the next order at authorize', async () => {
    await page.goto(`${api.url}/console/#/chaos`);
    const payment = page.locator('section[data-domain="payment"]');
    await payment.getByLabel('Timeout outcome answers after (ms)').fill('-5');
    await payment.getByRole('button', { name: 'Apply payment' }).click();
    await payment.getByRole('alert').filter({ hasText: 'timeoutMs' }).waitFor({ timeout: WAIT_MS });
    expect(await payment.getByRole('alert').textContent()).toMatch(/^Apply payment refused: .*timeoutMs.*>=0/);
    await payment.getByRole('button', { name: 'Discard changes' }).click();

    await payment.getByLabel('insufficient_funds').first().fill('100');
    const shares = await payment.locator('[data-operation="authorize"] output').allTextContents();
    expect(shares.filter((share) => share !== '0%')).toEqual(['100%']);
    await payment.getByRole('button', { name: 'Apply payment' }).click();
    await payment.getByRole('status').filter({ hasText: 'Apply payment: done.' }).waitFor({ timeout: WAIT_MS });
    const live = await getJson(`${p.urls.payment}/payment/chaos/distribution`);
    expect(live.body.operations.authorize.weights).toEqual({ insufficient_funds: 100 });
    expect(live.body.timeoutMs).toBe(300); // kept from the test chaos
    await shot('chaos');

    const workflowId = await createOrder();
    await orderStatus('failed');
    expect(await stepState('authorize')).toBe('failed');
    expect(await page.locator('li[data-step="authorize"] .detail').textContent()).toMatch(/card_declined/);
    await page.goto(`${api.url}/console/#/orders`);
    // The filter offers what the list can filter by (a step such as `authorizing` is `in_progress`).
    const filter = page.getByLabel('Filter by status');
    await filter.locator('option', { hasText: 'compensation_stuck' }).waitFor({ state: 'attached', timeout: WAIT_MS });
    expect(await filter.locator('option').allTextContents()).toEqual(['any', ...visibilityStatuses]);
    await filter.selectOption('failed');
    const orderId = workflowId.replace('order-fulfillment-', '');
    await page.locator(`tr[data-order="${orderId}"] .badge`, { hasText: 'failed' }).waitFor({ timeout: WAIT_MS });
  }, 120_000);

  it('runs a chaos batch and shows its scorecard and the audit', async () => {
    // Half the authorizations declined: a mix of shipped and compensated orders, quickly.
    await page.goto(`${api.url}/console/#/chaos`);
    const payment = page.locator('section[data-domain="payment"]');
    await payment.getByLabel('insufficient_funds').first().fill('50');
    await payment.getByRole('button', { name: 'Apply payment' }).click();
    await payment.getByRole('status').filter({ hasText: 'Apply payment: done.' }).waitFor({ timeout: WAIT_MS });

    await page.goto(`${api.url}/console/#/launcher`);
    await page.getByLabel('Scenario', { exact: true }).selectOption('chaos');
    await page.getByLabel('Orders (N)').fill('8');
    await page.getByRole('button', { name: 'Run scenario' }).click();
    await page.locator('#scorecard-title').waitFor({ timeout: 90_000 });
    expect(await page.locator('#scorecard-title').textContent()).toMatch(/^Scorecard: chaos, 8 orders in .* — passed$/);
    const cell = (outcome: string) => page.locator(`tr[data-outcome="${outcome}"] td`).nth(1).textContent();
    const [shipped, failed, stuck, unfinished] = await Promise.all(
      ['shipped', 'failed', 'stuck', 'not finished'].map(async (o) => Number(await cell(o))),
    );
    expect(shipped! + failed!).toBe(8);
    expect(stuck).toBe(0);
    expect(unfinished).toBe(0);
    expect(await page.locator('.audit').textContent()).toMatch(
      /^The audit checked \d+ finished orders .* nothing leaked\.$/,
    );
    expect(await page.locator('figure.chart svg').count()).toBe(2);
    await shot('launcher');

    await page.goto(`${api.url}/console/#/chaos`);
    await payment.getByRole('button', { name: 'Preset: off' }).click();
    await payment.getByRole('status').filter({ hasText: 'done.' }).waitFor({ timeout: WAIT_MS });
    expect((await getJson(`${p.urls.payment}/payment/chaos/distribution`)).body.profile).toBe('off');
  }, 150_000);

  it("launches the CLI's scenarios: compensation and a manager's rejection, each with its checks and the audit", async () => {
    await page.goto(`${api.url}/console/#/launcher`);
    await page.getByLabel('Scenario', { exact: true }).selectOption('compensation');
    expect(await page.locator('.hint').textContent()).toMatch(/^Saga compensation: the label fails/);
    await page.getByRole('button', { name: 'Run scenario' }).click();
    const title = page.locator('#scorecard-title');
    await title.waitFor({ timeout: WAIT_MS });
    expect(await title.textContent()).toMatch(/^Scorecard: compensation, 1 order in .* — passed$/);
    // The run as it went: started, the order failed, its refund then its release (the saga's order).
    const events = await page.locator('.run-events li').allTextContents();
    const at = (re: RegExp) => events.findIndex((e) => re.test(e));
    expect(at(/started workflow order-fulfillment-ORD-COMPENSATION-/)).toBe(0);
    expect(at(/ failed$/)).toBeGreaterThan(0);
    expect(at(/↩ refundPayment: /)).toBeGreaterThan(0);
    expect(at(/↩ releaseInventory: /)).toBeGreaterThan(at(/↩ refundPayment: /));
    const checks = page.locator('table.checks tbody tr');
    expect(await checks.count()).toBe(3);
    expect(await page.locator('table.checks td.not-held').count()).toBe(0);
    expect(await page.locator('tr[data-check="status is failed"] td').nth(1).textContent()).toBe('✔ yes');
    expect(await page.locator('tr[data-outcome="failed"] td').nth(1).textContent()).toBe('1');
    // Why: the label's business code (the shipping service's address refusal), not retries exhausted.
    expect(await page.locator('.scorecard td', { hasText: /^ship: address_invalid$/ }).count()).toBe(1);
    expect(await page.locator('.audit').textContent()).toMatch(
      /^The audit checked \d+ finished orders .* nothing leaked\.$/,
    );
    expect(await page.locator('figure.chart svg').count()).toBe(2);
    await shot('launcher-scenario');

    // Its order is a real one: the link opens its page, failed at the label.
    await page.locator('.scorecard a', { hasText: /^Order ORD-COMPENSATION-/ }).click();
    await orderStatus('failed');
    expect(await stepState('ship')).toBe('failed');

    // The API acts as the manager: it rejects the order once it awaits approval.
    await page.goto(`${api.url}/console/#/launcher`);
    await page.getByLabel('Scenario', { exact: true }).selectOption('reject');
    await page.getByRole('button', { name: 'Run scenario' }).click();
    await title.waitFor({ timeout: WAIT_MS });
    expect(await title.textContent()).toMatch(/^Scorecard: reject, 1 order in .* — passed$/);
    expect(await page.locator('.run-events li', { hasText: '→ manager rejects' }).count()).toBe(1);
    expect(await page.locator('tr[data-outcome="rejected"] td').nth(1).textContent()).toBe('1');
  }, 120_000);

  it('refuses to launch a scenario without the manager token, saying why', async () => {
    await setToken('Manager token', '');
    await page.goto(`${api.url}/console/#/launcher`);
    await page.getByLabel('Scenario', { exact: true }).selectOption('happy');
    await page.getByRole('button', { name: 'Run scenario' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /^The scenario could not start: .*manager bearer token/ })
      .waitFor({ timeout: WAIT_MS });
    await setToken('Manager token', testTokens.MANAGER_TOKEN);
  });

  it('resolves a compensation_stuck order by hand', async () => {
    const stuck = await startStuckOrder(p);
    await page.goto(`${api.url}/console/#/orders/${stuck.workflowId}`);
    await orderStatus('compensation_stuck');
    expect(await stepState('ship')).toBe('failed');
    expect(await stepState('notify')).toBe('skipped'); // the forward path is over
    // The refund that keeps failing, with its attempts and its last error.
    const refund = page.locator('li[data-compensation="refundPayment"]');
    expect(await refund.locator('.step-state').textContent()).toBe('not finished');
    expect(await refund.locator('.detail').textContent()).toMatch(/The server had an error/);
    await shot('order-stuck');
    await page.getByLabel('Reason or note').fill('refunded by hand');
    await page.getByRole('button', { name: 'Resolve by hand' }).click();
    await orderStatus('failed');
    expect(await stuck.result()).toMatchObject({ status: 'failed' });

    // The board with every order of this file, at 1280×800 and on a narrow window.
    await page.goto(`${api.url}/console/#/orders`);
    await page.locator('table.orders tbody tr').nth(14).waitFor(); // 15 orders: 5 here, 8 in the batch, 2 scenarios
    await shot('board');
    await page.setViewportSize({ width: 420, height: 800 });
    await shot('board-narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
  }, 150_000);
});
