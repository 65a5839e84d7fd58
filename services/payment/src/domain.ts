import { conflict, notFound, badRequest } from '@fake-stripe/kernel';
import type { Capture, Hold, Refund } from '@fake-stripe/kernel';

/** The payment ledger's rules, in integer minor units (no float rounding in money). */
export type { Capture, Hold, HoldStatus, Refund } from '@fake-stripe/kernel';

/** A capture needs a live hold and takes at most its amount; a second capture is refused. */
export function checkCapture(hold: Hold | undefined, requested: number | undefined): { hold: Hold; amount: number } {
  if (!hold) throw notFound('No such authorization.', 'authorizationId');
  if (hold.status === 'captured')
    throw conflict('charge_already_captured', 'This authorization has already been captured.', 'authorizationId');
  if (hold.status === 'released')
    throw conflict(
      'authorization_released',
      'This authorization was released and can no longer be captured.',
      'authorizationId',
    );
  const amount = requested ?? hold.amount;
  if (amount > hold.amount)
    throw badRequest('amount_too_large', `Cannot capture ${amount}: the authorization holds ${hold.amount}.`, 'amount');
  return { hold, amount };
}

/** Releasing an unknown hold is 404, a captured one 409; releasing twice is a no-op. */
export function checkRelease(hold: Hold | undefined): Hold {
  if (!hold) throw notFound('No such authorization.', 'authorizationId');
  if (hold.status === 'captured')
    throw conflict(
      'charge_already_captured',
      'This authorization was captured; refund the capture instead.',
      'authorizationId',
    );
  return hold;
}

/** A refund needs a capture, takes at most its amount, and happens once. */
export function checkRefund(
  capture: Capture | undefined,
  existing: Refund | undefined,
  requested: number | undefined,
): { capture: Capture; amount: number } {
  if (!capture) throw notFound('No such capture.', 'captureId');
  if (existing) throw conflict('charge_already_refunded', 'This capture has already been refunded.', 'captureId');
  const amount = requested ?? capture.amount;
  if (amount > capture.amount)
    throw badRequest('amount_too_large', `Cannot refund ${amount}: the capture is ${capture.amount}.`, 'amount');
  return { capture, amount };
}
