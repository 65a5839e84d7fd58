import type { DomainClient } from '@fake-stripe/kernel';
import { callOptions, classify } from './calls.ts';
import type { CallContext } from './calls.ts';

/** The order's e-mail; the notification service honours the idempotency key, so a retry is safe. */
export function notificationActivities({ notification }: { notification: DomainClient }) {
  return {
    async sendNotification(c: CallContext & { to: string; template: string }): Promise<{ notificationId: string }> {
      const n = await notification
        .post<{ notificationId: string }>(
          '/notification/send',
          { orderId: c.orderId, channel: 'email', to: c.to, template: c.template },
          callOptions('sendNotification', c),
        )
        .catch(classify);
      return { notificationId: n.notificationId };
    },
  };
}
