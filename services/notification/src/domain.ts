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
