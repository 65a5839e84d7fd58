import { randomBytes } from 'node:crypto';
import { notFound } from '@fake-stripe/kernel';

/** Shipping labels: the label job and its states are described with the schema, in the kernel's ledgers. */
export type { Address, Label, LabelStatus } from '@fake-stripe/kernel';
import type { Label } from '@fake-stripe/kernel';

/** A UPS-style tracking number: `1Z` and 16 upper-case hex digits. */
export const newTrackingNumber = (): string => `1Z${randomBytes(8).toString('hex').toUpperCase()}`;

/** Milliseconds until a pending label is ready (0 once due); undefined for a label that is not pending. */
export const remainingMs = (label: Label, now = Date.now()): number | undefined =>
  label.status === 'pending' ? Math.max(0, Date.parse(label.readyAt) - now) : undefined;

export function checkCancel(label: Label | undefined): Label {
  if (!label) throw notFound('No such label.', 'labelId');
  return label;
}
