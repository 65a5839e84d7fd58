/**
 * Scenarios, driving the running stack through its REST API only:
 *   node tools/scenarios.ts happy | approval | reject | cancel | timeout | compensation
 *   node tools/scenarios.ts custom --id ORD-42
 *   node tools/scenarios.ts chaos [--count 20] [--wait 600]
 *   node tools/scenarios.ts schedule | versioning
 *   node tools/scenarios.ts check | ui | menu
 * Exit code: 0 the expected outcome happened and the audit is clean, 1 it did not, 2 bad usage or the
 * stack is not reachable. Env: API_URL (http://127.0.0.1:3002), MANAGER_TOKEN, CUSTOMER_TOKEN_SECRET
 * (the stack's local defaults), TEMPORAL_ADDRESS etc. (envconfig, 127.0.0.1:7233; for the chaos scorecard's retries),
 * TEMPORAL_UI_URL (http://localhost:8080), and PAYMENT_URL … NOTIFICATION_URL, WORKER_METRICS_URL for
 * `check`.
 */
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { localUrl } from '@fake-stripe/kernel';
import type { LocalProcess } from '@fake-stripe/kernel';
import { input, number, select } from '@inquirer/prompts';
import Table from 'cli-table3';
import pc from 'picocolors';
import { env, ping, ScenarioError } from './scenarios/api.ts';
import { runChaos } from './scenarios/chaos.ts';
import { orderScenarios, runOrderScenario } from './scenarios/orders.ts';
import { runScheduleScenario } from './scenarios/schedule.ts';
import { runVersioningScenario } from './scenarios/versioning.ts';
import type { OrderScenarioName } from './scenarios/orders.ts';

const DEFAULT_COUNT = 20;
const DEFAULT_WAIT_S = 600;
const fixed = ['happy', 'approval', 'reject', 'cancel', 'timeout', 'compensation'] as const;

/** GET /ready of every service (the worker: its metrics endpoint); 0 when all answer 200. */
async function checkServices(): Promise<number> {
  const local = (name: LocalProcess): string =>
    (process.env[`${name.toUpperCase()}_URL`] || localUrl(name)).replace(/\/+$/, '');
  const targets: Array<[string, string]> = [
    ['api', `${env.apiUrl}/ready`],
    ['payment', `${local('payment')}/ready`],
    ['inventory', `${local('inventory')}/ready`],
    ['shipping', `${local('shipping')}/ready`],
    ['notification', `${local('notification')}/ready`],
    ['worker', process.env.WORKER_METRICS_URL || localUrl('workerMetrics', '/metrics')],
    ['temporal ui', env.temporalUiUrl],
  ];
  const rows = await Promise.all(targets.map(async ([name, url]) => ({ name, url, ...(await ping(url)) })));
  const table = new Table({
    head: ['service', 'url', 'ready', 'time'].map((h) => pc.bold(h)),
    style: { head: [], border: [], compact: true },
  });
  for (const r of rows) {
    const ok =
      r.status === 200
        ? pc.green('ready')
        : r.status === null
          ? pc.red(`down (${r.detail})`)
          : pc.red(`${r.status} ${r.detail}`);
    table.push([r.name, r.url, ok, `${Math.round(r.ms)} ms`]);
  }
  console.log(table.toString());
  const down = rows.filter((r) => r.status !== 200).length;
  console.log(
    down === 0
      ? pc.green('✔ every service is ready')
      : pc.red(`✘ ${down} not ready (make up DETACH=1, make status, make logs)`),
  );
  return down === 0 ? 0 : 1;
}

/** Prints the Temporal UI's address and opens it where a desktop opener exists. */
function openUi(): number {
  console.log(`Temporal UI: ${pc.bold(env.temporalUiUrl)}`);
  const opener = spawn('xdg-open', [env.temporalUiUrl], { stdio: 'ignore', detached: true });
  opener.on('error', () => {}); // no xdg-open here: the printed address is the answer
  opener.unref();
  return 0;
}

async function menu(): Promise<number> {
  let last = 0;
  for (;;) {
    const choice = await select<string>({
      message: 'Which scenario?',
      pageSize: 14,
      choices: [
        ...fixed.map((name) => ({
          value: name,
          name: orderScenarios[name].short,
          description: orderScenarios[name].title,
        })),
        {
          value: 'chaos',
          name: 'Chaos batch of N orders → scorecard',
          description: 'N orders with no fault plan: the live chaos decides; then retries, p50/p95 and the audit',
        },
        { value: 'custom', name: orderScenarios.custom.short, description: orderScenarios.custom.title },
        { value: 'ui', name: 'Open the Temporal UI', description: env.temporalUiUrl },
        { value: 'check', name: 'Check services', description: 'GET /ready of every service' },
        { value: 'quit', name: 'Quit' },
      ],
    });
    if (choice === 'quit') return last;
    try {
      if (choice === 'chaos') {
        const count = await number({
          message: 'How many orders?',
          default: DEFAULT_COUNT,
          min: 1,
          max: 1000,
          required: true,
        });
        last = await runChaos({ count: count ?? DEFAULT_COUNT, waitSeconds: DEFAULT_WAIT_S });
      } else if (choice === 'custom') {
        const orderId = await input({
          message: 'Order id?',
          required: true,
          validate: (v) => (v.trim().length > 0 && v.trim().length <= 64) || '1 to 64 characters',
        });
        last = await runOrderScenario('custom', { orderId: orderId.trim() });
      } else if (choice === 'ui') last = openUi();
      else if (choice === 'check') last = await checkServices();
      else last = await runOrderScenario(choice as OrderScenarioName);
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      console.error(pc.red(`\n✘ ${err.message}`));
      last = err.setup ? 2 : 1;
    }
    console.log();
  }
}

const usage = `usage: node tools/scenarios.ts <${[...fixed, 'custom --id ID', 'chaos [--count N] [--wait S]', 'schedule', 'versioning', 'check', 'ui', 'menu'].join(' | ')}>`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        id: { type: 'string' },
        count: { type: 'string', short: 'n' },
        wait: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(usage);
    return 0;
  }
  const name = positionals[0] ?? '';
  const positive = (v: string | undefined, fallback: number, what: string): number => {
    const n = v === undefined || v.trim() === '' ? fallback : Number(v);
    if (!Number.isInteger(n) || n < 1) throw new ScenarioError(`${what} must be a positive integer, got "${v}"`, true);
    return n;
  };
  try {
    if ((fixed as readonly string[]).includes(name)) return await runOrderScenario(name as OrderScenarioName);
    if (name === 'custom') {
      const id = values.id?.trim();
      if (!id) throw new ScenarioError('custom needs --id <order id> (make scenario-custom ID=ORD-42)', true);
      return await runOrderScenario('custom', { orderId: id });
    }
    if (name === 'chaos')
      return await runChaos({
        count: positive(values.count, DEFAULT_COUNT, '--count (N)'),
        waitSeconds: positive(values.wait, DEFAULT_WAIT_S, '--wait'),
      });
    if (name === 'schedule') return await runScheduleScenario();
    if (name === 'versioning') return await runVersioningScenario();
    if (name === 'check') return await checkServices();
    if (name === 'ui') return openUi();
    if (name === 'menu') return await menu();
  } catch (err) {
    if (err instanceof ScenarioError) {
      console.error(pc.red(`\n✘ ${err.message}`));
      return err.setup ? 2 : 1;
    }
    if (err instanceof Error && err.name === 'ExitPromptError') return 130; // Ctrl-C in the menu
    throw err;
  }
  console.error(usage);
  return 2;
}

process.exit(await main());
