import { newId } from '@fake-stripe/kernel';
import type { Db, Notification } from '@fake-stripe/kernel';

export function createNotificationStore(db: Db) {
  db.exec(`
    CREATE TABLE IF NOT EXISTS notifications (
      notification_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, channel TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
      recipient TEXT NOT NULL, template TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS notifications_order ON notifications (order_id);
  `);
  const insert = db.prepare('INSERT INTO notifications VALUES (?, ?, ?, ?, ?, ?)');
  const of =
    db.prepare(`SELECT notification_id AS notificationId, order_id AS orderId, channel, recipient AS "to", template,
    created_at AS createdAt FROM notifications WHERE order_id = ? ORDER BY created_at, rowid`);
  return {
    record(n: Omit<Notification, 'notificationId' | 'createdAt'>): Notification {
      const notification: Notification = {
        ...n,
        notificationId: newId('ntf'),
        createdAt: new Date().toISOString(),
      };
      insert.run(notification.notificationId, n.orderId, n.channel, n.to, n.template, notification.createdAt);
      return notification;
    },
    ledger: (orderId: string) => ({ orderId, notifications: of.all(orderId) as unknown as Notification[] }),
  };
}
export type NotificationStore = ReturnType<typeof createNotificationStore>;
