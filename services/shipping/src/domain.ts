import { randomBytes } from 'node:crypto';
import { notFound } from '@fake-stripe/kernel';

/** Shipping labels (SPEC §3.1): created once per request, cancellable, cancel is idempotent. */
export type LabelStatus = 'created' | 'cancelled';

export interface Address {
  street: string;
  city: string;
  state: string;
  zip: string;
  country: string;
}

export interface Label {
  labelId: string;
  orderId: string;
  trackingNumber: string;
  carrier: string;
  status: LabelStatus;
  address: Address;
  items: Array<{ sku: string; quantity: number }>;
  createdAt: string;
  cancelledAt: string | null;
}

/** A UPS-style tracking number: `1Z` and 16 upper-case hex digits. */
export const newTrackingNumber = (): string => `1Z${randomBytes(8).toString('hex').toUpperCase()}`;

export function checkCancel(label: Label | undefined): Label {
  if (!label) throw notFound('No such label.', 'labelId');
  return label;
}
