/**
 * The single-order scenarios in the terminal: their definitions and runner are the kernel's
 * (@fake-stripe/kernel/scenarios, which the console's launcher runs too); this prints the run as it
 * goes, the outcome, the checks and the audit.
 */
import { orderScenarios, runOrderScenario as run, scenarioOrder, uniqueOrderId } from '@fake-stripe/kernel/scenarios';
import type { Check, OrderScenarioName } from '@fake-stripe/kernel/scenarios';
import pc from 'picocolors';
import { api, env } from './api.ts';
import { eventPrinter, printAudit, printOrder, seconds } from './watch.ts';

export { allSucceed, orderScenarios, scenarioOrder, uniqueOrderId } from '@fake-stripe/kernel/scenarios';
export type { Check, OrderScenarioName } from '@fake-stripe/kernel/scenarios';

/** Prints each expectation with ✔ or ✘ (and what came instead); true when all held. */
export function printChecks(checks: Check[]): boolean {
  console.log(`\n${pc.bold('expected')}`);
  for (const [label, ok, detail] of checks)
    console.log(`  ${ok ? pc.green('✔') : pc.red('✘')} ${label}${ok || !detail ? '' : pc.dim(` (got ${detail})`)}`);
  return checks.every(([, ok]) => ok);
}

/** Runs one scenario against the API, printing as it goes; resolves to the process exit code (0 pass, 1 fail). */
export async function runOrderScenario(
  name: OrderScenarioName,
  opts: { orderId?: string; timeoutMs?: number } = {},
): Promise<number> {
  console.log(`\n${pc.bold(`▶ ${name}`)} — ${orderScenarios[name].title}`);
  const orderId = opts.orderId ?? uniqueOrderId(name);
  const { totalAmount, customerId } = scenarioOrder(orderId);
  console.log(pc.dim(`  API ${env.apiUrl}, order ${orderId}, ${totalAmount.toFixed(2)} USD, customer ${customerId}`));
  const printer = eventPrinter();
  let report;
  try {
    report = await run(api, name, { ...opts, orderId, onEvent: printer.print });
  } finally {
    printer.stop();
  }
  console.log(`\n${pc.bold('outcome')} ${pc.dim(`after ${seconds(report.ms)}`)}`);
  printOrder(report.end, report.workflowId);
  const held = printChecks(report.checks);
  const clean = printAudit(report.audit, [report.orderId]);
  console.log(report.passed ? pc.green(pc.bold(`\n✔ ${name} passed`)) : pc.red(pc.bold(`\n✘ ${name} failed`)));
  return held && clean ? 0 : 1;
}
