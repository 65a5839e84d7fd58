/** Notifications: recorded with recipient, template and order id, so a send can be checked; never really sent. */
export type Channel = 'email' | 'sms';

export interface Notification {
  notificationId: string;
  orderId: string;
  channel: Channel;
  to: string;
  template: string;
  createdAt: string;
}

/** An e-mail address for `email`, an E.164 number for `sms`. */
export function recipientProblem(channel: Channel, to: string): string | undefined {
  if (channel === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to))
    return 'must be an e-mail address for channel email';
  if (channel === 'sms' && !/^\+[1-9]\d{6,14}$/.test(to))
    return 'must be an E.164 phone number (e.g. +14155550100) for channel sms';
  return undefined;
}
