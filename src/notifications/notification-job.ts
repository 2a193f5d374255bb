import type { JobsOptions } from '../queue/bullmq.js';
import type { ExportNotification, NotificationEvent } from './export-notification.js';

/** One notification to deliver, as its job on the notifications queue holds it (job id: its delivery id). */
export interface NotificationJobData {
  exportId: string;
  event: NotificationEvent;
  /** `--notify`: not a credential (userinfo is refused), but shown only through `displayNotifyUrl`. */
  url: string;
  /** The body, the same bytes on every try. */
  notification: ExportNotification;
}

/** What a delivered notification's job returns: the receiver's status. */
export interface NotificationJobResult {
  status: number;
}

/** The name of the retry strategy the notifications worker registers (see notificationRetryWait). */
export const NOTIFICATION_BACKOFF_TYPE = 'notification';

/**
 * Tries end by time, not by count: the processor gives up after a try that fails NOTIFY_GIVE_UP_MS after
 * the enqueue, so the count only has to be out of reach. Finished jobs are kept about as long as other
 * jobs; the delivery record `status` shows stays (notification-deliveries.ts).
 */
export const NOTIFICATION_JOB_OPTIONS: JobsOptions = {
  attempts: Number.MAX_SAFE_INTEGER,
  backoff: { type: NOTIFICATION_BACKOFF_TYPE },
  removeOnComplete: { age: 7 * 24 * 3600, count: 5000 },
  removeOnFail: { age: 14 * 24 * 3600, count: 5000 },
};
