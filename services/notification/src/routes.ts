import { defineRoute, orderQuerySchema } from '@fake-stripe/kernel';
import type { OperationSpec, Route } from '@fake-stripe/kernel';
import { ledgerSchema, notificationSchema, sendBody } from './schemas.ts';
import type { NotificationStore } from './store.ts';

export const notificationChaos: Record<string, OperationSpec> = {
  send: { weights: { success: 80, timeout: 20 } },
};

export function notificationRoutes(store: NotificationStore): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/notification/send',
      operationId: 'sendNotification',
      summary: 'Record an e-mail or SMS send (nothing is really sent)',
      chaos: 'send',
      status: 201,
      body: sendBody,
      response: notificationSchema,
      handler: ({ body }) => store.record(body),
    }),
    defineRoute({
      method: 'get',
      path: '/notification/ledger',
      operationId: 'getNotificationLedger',
      summary: 'Every notification of an order',
      query: orderQuerySchema,
      service: true,
      response: ledgerSchema,
      handler: ({ query }) => store.ledger(query.orderId),
    }),
  ];
}
