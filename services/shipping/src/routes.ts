import { AppError, defineRoute, orderQuerySchema } from '@fake-stripe/kernel';
import type { OperationSpec, Route } from '@fake-stripe/kernel';
import { checkCancel } from './domain.ts';
import { cancelBody, createLabelBody, labelSchema, ledgerSchema } from './schemas.ts';
import type { ShippingStore } from './store.ts';

/** Label creation is long-running: ~20 s (19–21 s) before any answer, as carriers' label APIs can be. */
export const shippingChaos: Record<string, OperationSpec> = {
  createLabel: {
    weights: { success: 60, address_error: 20, timeout: 20 },
    latency: { baseMs: 19_000, jitterMs: 2_000 },
    businessErrors: {
      address_error: () =>
        new AppError({
          type: 'invalid_request_error',
          code: 'address_invalid',
          status: 422,
          message: 'The carrier could not validate the shipping address.',
          param: 'address',
        }),
    },
  },
  cancel: { weights: { success: 90, timeout: 10 } },
};

export function shippingRoutes(store: ShippingStore): Route[] {
  return [
    defineRoute({
      method: 'post',
      path: '/shipping/create-label',
      operationId: 'createLabel',
      summary: 'Create a shipping label (long-running: ~20 s by default)',
      chaos: 'createLabel',
      status: 201,
      body: createLabelBody,
      response: labelSchema,
      errors: { 422: 'Address rejected by the carrier' },
      handler: ({ body }) => store.create(body.orderId, body.address, body.items),
    }),
    defineRoute({
      method: 'post',
      path: '/shipping/cancel',
      operationId: 'cancelLabel',
      summary: 'Cancel a label (idempotent)',
      chaos: 'cancel',
      body: cancelBody,
      response: labelSchema,
      errors: { 404: 'Unknown label' },
      handler: ({ body }) => store.cancel(checkCancel(store.label(body.labelId))),
    }),
    defineRoute({
      method: 'get',
      path: '/shipping/ledger',
      operationId: 'getShippingLedger',
      summary: 'Every label of an order (for the auditor)',
      query: orderQuerySchema,
      service: true,
      response: ledgerSchema,
      handler: ({ query }) => store.ledger(query.orderId),
    }),
  ];
}
