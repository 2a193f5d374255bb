import type { Redis } from 'ioredis';
import { Queue } from '../queue/bullmq.js';
import type { ExportSpec } from '../queue/export-spec.js';
import { NOTIFY_QUEUE } from '../queue/queue-names.js';
import type { ExportNotification } from './export-notification.js';
import { NotificationDeliveries } from './notification-deliveries.js';
import { NOTIFICATION_JOB_OPTIONS, type NotificationJobData } from './notification-job.js';
import { displayNotifyUrl } from './notify-url.js';

/**
 * Queues `notification` for the export's `--notify` URL (nothing when it has none). Idempotent by export
 * id and state: the job id is the delivery id, so a second enqueue while the job exists adds nothing, and
 * one after a delivery or a give-up (whose job retention may have trimmed) finds the record and sends
 * nothing. A pending record without its job (an enqueue interrupted between the two writes) gets its job.
 */
export async function enqueueNotification(redis: Redis, prefix: string, spec: ExportSpec, notification: ExportNotification): Promise<void> {
  if (!spec.notifyUrl) return;
  const deliveries = new NotificationDeliveries(redis, prefix);
  const event = notification.state;
  await deliveries.create(spec.exportId, {
    event,
    url: displayNotifyUrl(spec.notifyUrl),
    state: 'pending',
    attempts: 0,
    enqueuedAt: new Date().toISOString(),
    nextTryAt: new Date().toISOString(),
  });
  const record = await deliveries.get(spec.exportId, event);
  if (record && record.state !== 'pending') return;
  const queue = new Queue<NotificationJobData>(NOTIFY_QUEUE, { connection: redis, prefix });
  try {
    const data: NotificationJobData = { exportId: spec.exportId, event, url: spec.notifyUrl, notification };
    await queue.add(`export.${event}`, data, { ...NOTIFICATION_JOB_OPTIONS, jobId: notification.deliveryId });
  } finally {
    await queue.close();
  }
}
