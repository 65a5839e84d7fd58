/**
 * Batches of orders through the API, for the chaos and crash tests: reproducible order bodies, waiting
 * until each order is terminal, the audit once it has seen them all, and the ledger rows an order
 * must never have twice.
 */
import { eventually, getJson, postJson } from '@fake-stripe/kernel/testing';
import pWaitFor from 'p-wait-for';
import { orderStateSchema } from '@fake-stripe/kernel';
import type { OrderState } from '@fake-stripe/kernel';
import { orderWorkflowId } from '@fake-stripe/kernel/workflow-definitions';
import type { Platform } from './harness.ts';

/** Order `i` of a batch: the same body for the same `i`, lines and amounts varying with it. */
export function batchOrder(orderId: string, i: number): Record<string, unknown> {
  return {
    orderId,
    customerId: `CUST-${i % 7}`,
    items: [
      { sku: `ITEM-00${1 + (i % 9)}`, quantity: 1 + (i % 3), price: 10.5 },
      { sku: 'ITEM-010', quantity: 1, price: 4.25 },
    ],
    totalAmount: 10.5 * (1 + (i % 3)) + 4.25,
    shippingAddress: { street: '1 Batch St', city: 'Austin', state: 'TX', zip: '73301', country: 'US' },
    customerEmail: `c${i}@example.com`,
    requiresApproval: false,
  };
}

/**
 * Starts `count` orders `${prefix}-000`…, at once or one every `staggerMs`; fails unless every one
 * was accepted. Resolves their order ids.
 */
export async function startBatch(apiUrl: string, prefix: string, count: number, staggerMs = 0): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
  const started = await Promise.all(
    ids.map(async (id, i) => {
      if (staggerMs) await new Promise((r) => setTimeout(r, i * staggerMs));
      return postJson(`${apiUrl}/api/v1/order`, batchOrder(id, i));
    }),
  );
  const refused = started.filter((r) => r.status !== 201);
  if (refused.length) throw new Error(`orders refused: ${JSON.stringify(refused.map((r) => r.body))}`);
  return ids;
}

/**
 * Each order's final state, or (past the deadline, or parked in compensation_stuck) its state as it
 * is then, so a test can list what did not finish.
 */
/** An order the API could not answer for by the deadline. */
export type Unanswered = Omit<Partial<OrderState>, 'status'> & { orderId: string; status: 'unknown' };

export async function waitForOrders(
  apiUrl: string,
  orderIds: string[],
  timeoutMs: number,
): Promise<Array<OrderState | Unanswered>> {
  const deadline = Date.now() + timeoutMs;
  return Promise.all(
    orderIds.map((orderId) => {
      const workflowId = orderWorkflowId(orderId);
      // Each round long-polls the result (up to 20 s, as the API allows), else reads the status.
      return pWaitFor<OrderState | Unanswered>(
        async () => {
          const left = Math.floor((deadline - Date.now()) / 1000);
          const res =
            left >= 1
              ? await getJson(`${apiUrl}/api/v1/order/${workflowId}/result?wait=${Math.min(left, 20)}`).catch(
                  () => null,
                )
              : null;
          if (res?.status === 200 && res.body.result)
            return pWaitFor.resolveWith(orderStateSchema.parse(res.body.result));
          const now = await getJson(`${apiUrl}/api/v1/order/${workflowId}/status`).catch(() => null);
          const state = now?.status === 200 ? orderStateSchema.parse(now.body) : undefined;
          if (left < 1 || state?.status === 'compensation_stuck')
            return pWaitFor.resolveWith(state ?? ({ orderId, status: 'unknown' } as const));
          return false;
        },
        // A round that long-polled has waited already; the interval paces rounds the API failed at once.
        { interval: 500 },
      );
    }),
  );
}

/** The audit once it has seen at least `count` orders (visibility is eventually consistent). */
export async function auditOnceSeen(apiUrl: string, count: number, timeoutMs = 30_000) {
  const audit = await eventually(
    async () => (await getJson(`${apiUrl}/api/v1/audit`)).body,
    `the audit to check ${count} orders`,
    { until: (body) => body.checkedOrders >= count, timeoutMs, intervalMs: 250 },
  );
  return audit as { ok: boolean; checkedOrders: number; violations: unknown[]; stuck: string[] };
}

/**
 * What an order has more than once that it may have at most once: captures, labels (a label job
 * attached to by a retry is one label) and e-mails. Empty when there are no duplicates.
 */
export async function duplicatesOf(urls: Platform['urls'], orderIds: string[]): Promise<string[]> {
  const found = await Promise.all(
    orderIds.map(async (orderId) => {
      const q = `?orderId=${encodeURIComponent(orderId)}`;
      const [payment, shipping, notification] = await Promise.all([
        getJson(`${urls.payment}/payment/ledger${q}`),
        getJson(`${urls.shipping}/shipping/ledger${q}`),
        getJson(`${urls.notification}/notification/ledger${q}`),
      ]);
      const counts = {
        captures: payment.body.captures.length as number,
        labels: shipping.body.labels.length as number,
        'e-mails': notification.body.notifications.length as number,
      };
      return Object.entries(counts)
        .filter(([, n]) => n > 1)
        .map(([what, n]) => `${orderId}: ${n} ${what}`);
    }),
  );
  return found.flat();
}
