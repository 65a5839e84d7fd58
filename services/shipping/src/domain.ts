import { randomBytes } from 'node:crypto';
import { notFound } from '@fake-stripe/kernel';

/**
 * Shipping labels: a label is a job at the carrier that takes the label time. It is stored as
 * `pending` when the request comes in and is `created` once its time has passed, whether or not
 * its caller is still connected; a cancel stops it (pending) or voids it (created), idempotently.
 */
export type LabelStatus = 'pending' | 'created' | 'cancelled';

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
  /** When the job started (the request came in). */
  createdAt: string;
  /** When the label is (or was) ready: the job's start plus its label time. */
  readyAt: string;
  cancelledAt: string | null;
}

/** A UPS-style tracking number: `1Z` and 16 upper-case hex digits. */
export const newTrackingNumber = (): string => `1Z${randomBytes(8).toString('hex').toUpperCase()}`;

/** Milliseconds until a pending label is ready (0 once due); undefined for a label that is not pending. */
export const remainingMs = (label: Label, now = Date.now()): number | undefined =>
  label.status === 'pending' ? Math.max(0, Date.parse(label.readyAt) - now) : undefined;

export function checkCancel(label: Label | undefined): Label {
  if (!label) throw notFound('No such label.', 'labelId');
  return label;
}
