import { AppError } from '@fake-stripe/kernel';

/**
 * Stripe's documented test PaymentMethods and what confirming each does. A declining card declines
 * every time, before chaos is drawn, so a test chooses its outcome with the card alone.
 */
export interface Decline {
  code: string;
  declineCode: string;
  message: string;
}

export const decliningCards: Record<string, Decline> = {
  pm_card_chargeDeclined: { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
  pm_card_chargeDeclinedInsufficientFunds: {
    code: 'card_declined',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  pm_card_chargeDeclinedExpiredCard: {
    code: 'expired_card',
    declineCode: 'expired_card',
    message: 'Your card has expired.',
  },
  pm_card_chargeDeclinedProcessingError: {
    code: 'processing_error',
    declineCode: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
};

const succeedingCards = ['pm_card_visa', 'pm_card_mastercard', 'pm_card_amex'] as const;
/** Every test PaymentMethod the service knows: a `payment_method` is one of them. */
export const testCards: [string, ...string[]] = [...succeedingCards, ...Object.keys(decliningCards)];

/** The decline a PaymentMethod always answers, if it is a declining test card. */
export const declineOf = (paymentMethod: string | undefined): Decline | undefined =>
  paymentMethod !== undefined && Object.hasOwn(decliningCards, paymentMethod)
    ? decliningCards[paymentMethod]
    : undefined;

/** The card error a decline answers (402, Stripe's `card_error`). */
export const cardError = (decline: Decline, commit: boolean): AppError =>
  new AppError({
    type: 'card_error',
    code: decline.code,
    declineCode: decline.declineCode,
    status: 402,
    message: decline.message,
    param: 'payment_method',
    commit,
  });
