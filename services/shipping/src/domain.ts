import { randomBytes } from 'node:crypto';
import { notFound } from '@fake-stripe/kernel';

/** Shipping labels (SPEC §3.1): created once per request, cancellable, cancel is idempotent. */
export type { Address, Label } from '@fake-stripe/kernel';
import type { Label } from '@fake-stripe/kernel';

/** A UPS-style tracking number: `1Z` and 16 upper-case hex digits. */
export const newTrackingNumber = (): string => `1Z${randomBytes(8).toString('hex').toUpperCase()}`;

export function checkCancel(label: Label | undefined): Label {
  if (!label) throw notFound('No such label.', 'labelId');
  return label;
}
