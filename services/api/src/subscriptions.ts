/**
 * The subscriptions' Temporal calls: start, read (status and this run's invoices), the cancel, pause
 * and resume signals, the changePlan Update, the listing by search attributes, and every run's
 * invoices for the auditor. Signals and Updates go to the workflow id, not a run: they reach the
 * current run even when the subscription continued as new since it was read.
 */
import { conflict, correlationId, subscriptionInputFrom } from '@fake-stripe/kernel';
import type { Invoice, SubscriptionRequest, SubscriptionState } from '@fake-stripe/kernel';
import {
  cancelSignal,
  changePlanUpdate,
  CustomerIdKey,
  invoicesQuery,
  SUBSCRIPTION_WORKFLOW,
  subscriptionPauseSignal,
  subscriptionResumeSignal,
  subscriptionStatusQuery,
  SubscriptionStatusKey,
  subscriptionWorkflowId,
  type SubscriptionWorkflow,
} from '@fake-stripe/kernel/workflow-definitions';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { z } from 'zod';
import { listExecutions, searchAttribute, visibilityLiteral } from './order-list.ts';
import type { Execution } from './order-list.ts';
import type { listSubscriptionsQuery, subscriptionSummarySchema } from './subscription-schemas.ts';
import type { Temporal } from './temporal.ts';
import { isoTime } from './temporal.ts';
import { alreadyStarted } from './workflow-starts.ts';

export type SubscriptionSignalName = 'cancel' | 'pause' | 'resume';
type Summary = z.input<typeof subscriptionSummarySchema>;
type Authorize = (customerId: string | undefined) => string;

export const subscriptionUrl = (subscriptionId: string): string =>
  `/api/v1/subscriptions/${encodeURIComponent(subscriptionId)}`;
/** The current run of every subscription (a run that continued as new is history). */
const CURRENT = `WorkflowType = '${SUBSCRIPTION_WORKFLOW}' AND ExecutionStatus != 'ContinuedAsNew'`;
const signals = { cancel: cancelSignal, pause: subscriptionPauseSignal, resume: subscriptionResumeSignal };

export function createSubscriptions(t: Temporal, taskQueue: string) {
  const { client, call } = t;
  const handle = (workflowId: string, runId?: string) =>
    client.workflow.getHandle<SubscriptionWorkflow>(workflowId, runId);
  const describe = (workflowId: string): Promise<WorkflowExecutionDescription> =>
    call(workflowId, () => handle(workflowId).describe());

  /** The subscription's customer (who may act on it) and whether it still runs; 404 when there is none. */
  async function lookUp(
    subscriptionId: string,
  ): Promise<{ workflowId: string; customerId?: string; running: boolean }> {
    const workflowId = subscriptionWorkflowId(subscriptionId);
    const d = await describe(workflowId);
    const customerId = d.typedSearchAttributes.get(CustomerIdKey);
    return { workflowId, ...(customerId !== undefined && { customerId }), running: d.status.name === 'RUNNING' };
  }
  /** 409 once the workflow has closed: a cancelled subscription's period is over. */
  const requireRunning = (s: { running: boolean }, subscriptionId: string): void => {
    if (!s.running) throw conflict('subscription_cancelled', `subscription ${subscriptionId} is cancelled`, 'id');
  };

  return {
    async start(body: SubscriptionRequest) {
      const workflowId = subscriptionWorkflowId(body.subscriptionId);
      const statusUrl = subscriptionUrl(body.subscriptionId);
      const started = await call(workflowId, () =>
        client.workflow
          .start<SubscriptionWorkflow>(SUBSCRIPTION_WORKFLOW, {
            taskQueue,
            workflowId,
            args: [subscriptionInputFrom(body, correlationId())],
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            typedSearchAttributes: [
              { key: CustomerIdKey, value: body.customerId },
              { key: SubscriptionStatusKey, value: 'active' },
            ],
          })
          .catch(
            alreadyStarted(
              `Subscription ${body.subscriptionId} already exists: workflow ${workflowId}.`,
              'subscription_exists',
              statusUrl,
              'subscriptionId',
            ),
          ),
      );
      return { workflowId, runId: started.firstExecutionRunId, statusUrl };
    },

    /** The state and this run's invoices (queries answer closed runs too, by replay). */
    async view(workflowId: string): Promise<{ state: SubscriptionState; invoices: Invoice[]; runId: string }> {
      const d = await describe(workflowId);
      const h = handle(workflowId, d.runId);
      const [state, invoices] = await call(workflowId, () =>
        Promise.all([h.query(subscriptionStatusQuery), h.query(invoicesQuery)]),
      );
      return { state, invoices, runId: d.runId };
    },

    /** `authorize` gets the subscription's customer id and returns who acts (or throws 401). */
    async signal(
      subscriptionId: string,
      name: SubscriptionSignalName,
      authorize: Authorize,
      reason?: string,
    ): Promise<string> {
      const s = await lookUp(subscriptionId);
      const by = authorize(s.customerId);
      requireRunning(s, subscriptionId);
      await call(s.workflowId, () => handle(s.workflowId).signal(signals[name], { by, ...(reason && { reason }) }));
      return s.workflowId;
    },

    /** The changePlan Update; its validator's refusal is a 409 with the reason. */
    async changePlan(subscriptionId: string, planId: string, authorize: Authorize): Promise<SubscriptionState> {
      const s = await lookUp(subscriptionId);
      authorize(s.customerId);
      requireRunning(s, subscriptionId);
      return call(s.workflowId, () => handle(s.workflowId).executeUpdate(changePlanUpdate, { args: [{ planId }] }));
    },

    async list(q: z.output<typeof listSubscriptionsQuery>) {
      const clauses = [CURRENT];
      if (q.status) clauses.push(`SubscriptionStatus = '${q.status}'`);
      if (q.customerId) clauses.push(`CustomerId = ${visibilityLiteral(q.customerId)}`);
      const page = await listExecutions(t, clauses.join(' AND '), q.pageSize, q.pageToken);
      return { subscriptions: page.executions.map(summary), nextPageToken: page.nextPageToken };
    },

    /** Every subscription's current run, through every page (for the auditor). */
    async listAll(): Promise<Summary[]> {
      const all: Summary[] = [];
      let token: string | undefined;
      do {
        const page = await listExecutions(t, CURRENT, 1000, token);
        all.push(...page.executions.map(summary));
        token = page.nextPageToken ?? undefined;
      } while (token);
      return all;
    },

    /** The invoices of every run of a subscription (each run holds at most periodsPerRun of them). */
    async allInvoices(workflowId: string): Promise<Invoice[]> {
      const runs: string[] = [];
      let token: string | undefined;
      do {
        const page = await listExecutions(t, `WorkflowId = ${visibilityLiteral(workflowId)}`, 1000, token);
        runs.push(...page.executions.flatMap((e) => (e.execution?.runId ? [e.execution.runId] : [])));
        token = page.nextPageToken ?? undefined;
      } while (token);
      const perRun = await Promise.all(
        runs.map((runId) => call(workflowId, () => handle(workflowId, runId).query(invoicesQuery))),
      );
      return perRun.flat().sort((a, b) => a.period - b.period);
    },
  };
}

export type Subscriptions = ReturnType<typeof createSubscriptions>;

function summary(info: Execution): Summary {
  const text = (name: string): string | null => {
    const v = searchAttribute(info, name);
    return typeof v === 'string' ? v : null;
  };
  const workflowId = info.execution?.workflowId ?? '';
  return {
    subscriptionId: workflowId.replace(/^subscription-/, ''),
    workflowId,
    runId: info.execution?.runId ?? '',
    customerId: text('CustomerId'),
    status: text('SubscriptionStatus'),
    startTime: isoTime(info.startTime),
    closeTime: isoTime(info.closeTime),
  };
}
