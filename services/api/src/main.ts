import { AppError, createDomainClient, createService, runService } from '@fake-stripe/kernel';
import type { Service } from '@fake-stripe/kernel';
import { Client, Connection } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { z } from 'zod';
import {
  inventoryLedgerSchema,
  paymentLedgerSchema,
  runAudit,
  shippingLedgerSchema,
  stockListSchema,
} from './audit.ts';
import { auditSubscriptions } from './audit-subscriptions.ts';
import { envSchema, loadApiEnv } from './config.ts';
import { consoleRouter } from './console-routes.ts';
import type { ApiEnv } from './config.ts';
import { registerOrderStatusGauge } from './order-status-gauge.ts';
import { createOrders } from './orders.ts';
import { apiRoutes } from './routes.ts';
import { createSchedules } from './schedules.ts';
import { createSubscriptions } from './subscriptions.ts';
import { createTemporal } from './temporal.ts';
import { createWorkflows } from './workflow-admin.ts';

export { envSchema };

export interface ApiDeps {
  /** A Temporal client to use instead of connecting to the configured Temporal (not closed by the service). */
  client?: Client;
}

/** Wiring: config → Temporal client → domain ledger clients → koa app (no store: nothing durable here). */
export function createApiService(env: ApiEnv = loadApiEnv(), deps: ApiDeps = {}): Service {
  // Lazy: the API starts (and answers /health, and /ready with 503) while Temporal is still coming up.
  const connection = deps.client ? undefined : Connection.lazy(env.temporal.connection);
  // The client interceptor puts the request's trace context into every start, signal, query and
  // update (StartWorkflow, SignalWorkflow, ... spans): the workflow continues the API's trace.
  const client =
    deps.client ??
    new Client({
      connection,
      namespace: env.temporal.namespace,
      interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    });
  const temporal = createTemporal(client, env.TEMPORAL_CALL_TIMEOUT_MS);
  const workflows = createWorkflows(temporal);
  const orders = createOrders(temporal, env.TASK_QUEUE);
  const schedules = createSchedules(temporal, env.TASK_QUEUE);
  const subscriptions = createSubscriptions(temporal, env.TASK_QUEUE);

  const domains = {
    payment: createDomainClient(env.PAYMENT_URL, env.HTTP_TIMEOUT_MS, env.SERVICE_TOKEN),
    inventory: createDomainClient(env.INVENTORY_URL, env.HTTP_TIMEOUT_MS, env.SERVICE_TOKEN),
    shipping: createDomainClient(env.SHIPPING_URL, env.HTTP_TIMEOUT_MS, env.SERVICE_TOKEN),
  };
  /** One ledger read for the auditor; an unreadable ledger fails the audit (502), it is not a violation. */
  async function read<S extends z.ZodType>(
    domain: keyof typeof domains,
    path: string,
    schema: S,
  ): Promise<z.output<S>> {
    try {
      return schema.parse(await domains[domain].get<unknown>(path));
    } catch (err) {
      throw new AppError({
        type: 'api_error',
        code: 'ledger_unavailable',
        status: 502,
        message: `The ${domain} service's ${path.split('?')[0]} could not be read: ${(err as Error).message}`,
        expose: true,
        cause: err,
      });
    }
  }
  const audit = () =>
    runAudit({
      concurrency: env.AUDIT_CONCURRENCY,
      orders: async () =>
        (await orders.listAudited()).map((o) => ({
          orderId: o.orderId ?? o.workflowId.replace(/^order-fulfillment-/, ''),
          status: o.status ?? '',
        })),
      ledgers: async (orderId) => {
        const q = `?orderId=${encodeURIComponent(orderId)}`;
        const [payment, inventory, shipping] = await Promise.all([
          read('payment', `/payment/ledger${q}`, paymentLedgerSchema),
          read('inventory', `/inventory/ledger${q}`, inventoryLedgerSchema),
          read('shipping', `/shipping/ledger${q}`, shippingLedgerSchema),
        ]);
        return { payment, inventory, shipping };
      },
      stock: async () => (await read('inventory', '/inventory/stock', stockListSchema)).items,
      subscriptions: () =>
        auditSubscriptions({
          concurrency: env.AUDIT_CONCURRENCY,
          subscriptions: () => subscriptions.listAll(),
          invoices: (workflowId) => subscriptions.allInvoices(workflowId),
          ledger: (orderId) =>
            read('payment', `/payment/ledger?orderId=${encodeURIComponent(orderId)}`, paymentLedgerSchema),
        }),
    });

  const service = createService({
    name: 'api',
    prefix: '/api/v1',
    env,
    routes: apiRoutes({ env, orders, workflows, schedules, audit, subscriptions }),
    ready: async () => {
      await client.withDeadline(Date.now() + 2_000, () => client.workflowService.getSystemInfo({}));
    },
  });
  // The web console (/console/): after the API's routes, inside its error middleware, not in its OpenAPI.
  // Its scenario launcher calls this API's own REST routes, at the loopback address it listens on.
  let selfUrl: string | undefined;
  const self = (): string => {
    if (!selfUrl) throw new Error('the API is not listening');
    return selfUrl;
  };
  if (env.CONSOLE_ENABLED)
    service.app.use(consoleRouter({ ...env, namespace: env.temporal.namespace }, workflows, self).routes());
  const ordersInStatus = registerOrderStatusGauge(temporal, service.metrics);
  return {
    ...service,
    async listen(port, host) {
      const listening = await service.listen(port, host);
      selfUrl = listening.url;
      return listening;
    },
    async close() {
      await service.close();
      await ordersInStatus.settle();
      await connection?.close();
    },
  };
}

if (import.meta.main) await runService(createApiService(loadApiEnv()));
