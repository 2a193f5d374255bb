import type { NotificationRetryPolicy } from '../config/environment.js';

/**
 * The wait before the next try once `failedTries` tries failed: NOTIFY_RETRY_FIRST_WAIT_MS after the first,
 * doubling, never more than NOTIFY_RETRY_MAX_WAIT_MS. Without jitter: a fleet sends one notification per
 * export event, not a burst that would need spreading.
 */
export function notificationRetryWait(failedTries: number, policy: NotificationRetryPolicy): number {
  return Math.min(policy.maxWaitMs, policy.firstWaitMs * 2 ** Math.max(0, failedTries - 1));
}

/** Whether a try failing at `nowMs` is the last one: NOTIFY_GIVE_UP_MS have passed since the notification was enqueued. */
export function retriesExhausted(enqueuedAtMs: number, nowMs: number, policy: NotificationRetryPolicy): boolean {
  return nowMs - enqueuedAtMs >= policy.giveUpAfterMs;
}
