import { AppError, defineRoute, orderQuerySchema } from '@fake-stripe/kernel';
import type { OperationSpec, Route } from '@fake-stripe/kernel';
import { checkCapture, checkRefund, checkRelease } from './domain.ts';
import {
  authorizeBody,
  captureBody,
  captureSchema,
  holdSchema,
  ledgerSchema,
  refundBody,
  refundSchema,
  releaseBody,
} from './schemas.ts';
import type { PaymentStore } from './store.ts';
import { conflict } from '@fake-stripe/kernel';

/** Payment's default chaos mix per operation and the answer of each business outcome. */
export const paymentChaos: Record<string, OperationSpec> = {
  authorize: {
    weights: { success: 40, insufficient_funds: 30, timeout: 20, server_error: 10 },
    businessErrors: {
      insufficient_funds: () =>
        new AppError({
          type: 'card_error',
          code: 'card_declined',
          declineCode: 'insufficient_funds',
          status: 402,
          message: 'Your card has insufficient funds.',
        }),
    },
  },
  capture: {
    weights: { success: 70, already_captured: 20, timeout: 10 },
    businessErrors: {
      already_captured: () =>
        conflict('charge_already_captured', 'This authorization has already been captured.', 'authorizationId'),
    },
  },
  release: { weights: { success: 90, timeout: 10 } },
  refund: {
    weights: { success: 80, already_refunded: 10, timeout: 10 },
    businessErrors: {
      already_refunded: () =>
        conflict('charge_already_refunded', 'This capture has already been refunded.', 'captureId'),
    },
  },
};

export function paymentRoutes(store: PaymentStore): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/payment/authorize',
      operationId: 'authorizePayment',
      summary: "Place a hold on the customer's funds",
      chaos: 'authorize',
      status: 201,
      body: authorizeBody,
      response: holdSchema,
      errors: { 402: 'Card declined (card_error)' },
      handler: ({ body }) => store.createHold(body),
    }),
    defineRoute({
      method: 'post',
      path: '/payment/capture',
      operationId: 'capturePayment',
      summary: 'Capture a live hold, at most its amount, once',
      chaos: 'capture',
      body: captureBody,
      response: captureSchema,
      errors: { 404: 'Unknown authorization', 409: 'Already captured, or released' },
      handler: ({ body }) => {
        const { hold, amount } = checkCapture(store.hold(body.authorizationId), body.amount);
        return store.createCapture(hold, amount);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/payment/release',
      operationId: 'releasePayment',
      summary: 'Release a hold that was not captured (idempotent)',
      chaos: 'release',
      body: releaseBody,
      response: holdSchema,
      errors: { 404: 'Unknown authorization', 409: 'The hold was captured' },
      handler: ({ body }) => {
        const hold = checkRelease(store.hold(body.authorizationId));
        if (hold.status === 'authorized') store.setHoldStatus(hold.authorizationId, 'released');
        return { ...hold, status: 'released' as const };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/payment/refund',
      operationId: 'refundPayment',
      summary: 'Refund a capture, at most its amount, once',
      chaos: 'refund',
      body: refundBody,
      response: refundSchema,
      errors: { 404: 'Unknown capture', 409: 'Already refunded' },
      handler: ({ body }) => {
        const capture = store.capture(body.captureId);
        const checked = checkRefund(capture, capture && store.refundOf(capture.captureId), body.amount);
        return store.createRefund(checked.capture, checked.amount);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/payment/ledger',
      operationId: 'getPaymentLedger',
      summary: 'Every hold, capture and refund of an order (for the auditor)',
      query: orderQuerySchema,
      service: true,
      response: ledgerSchema,
      handler: ({ query }) => store.ledger(query.orderId),
    }),
  ];
}
