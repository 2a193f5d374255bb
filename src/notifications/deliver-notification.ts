import type { Redis } from 'ioredis';
import { UnrecoverableError, WaitingError, type Job } from '../queue/bullmq.js';
import type { NotificationSettings } from '../config/environment.js';
import type { Logger } from '../logging/logger.js';
import { secretScrubber } from '../logging/secret-scrubber.js';
import { NotificationDeliveries, type NotificationDelivery } from './notification-deliveries.js';
import type { NotificationJobData, NotificationJobResult } from './notification-job.js';
import { notificationRetryWait, retriesExhausted } from './notification-retry.js';
import { ATTEMPT_HEADER, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signatureHeaderValue } from './notification-signature.js';
import { displayNotifyUrl } from './notify-url.js';
import { postNotification, type PostOutcome } from './post-notification.js';

/** One try, from connecting to the answer's status: a receiver is expected to queue the work and answer at once. */
export const NOTIFY_REQUEST_TIMEOUT_MS = 10_000;

/** The most of a refusing receiver's answer a log line shows. */
const LOGGED_ANSWER_CHARS = 200;

export interface NotificationContext {
  redis: Redis;
  queuePrefix: string;
  settings: NotificationSettings;
  /** The worker's environment: its secrets are blanked from receivers' answers before they are logged. */
  variables: NodeJS.ProcessEnv;
  logger: Logger;
}

/**
 * The notifications queue's processor: one signed POST per try. A 2xx answer delivers the notification; any
 * other answer, no answer within NOTIFY_REQUEST_TIMEOUT_MS or a failed connection fails the try, which
 * BullMQ tries again after `notificationRetryWait`, until a try fails NOTIFY_GIVE_UP_MS after the enqueue:
 * then it is given up. Each outcome is recorded for `status`. A stopping worker hands a try in flight back
 * to the queue (another worker sends it again: the receiver may get it twice, and drops it by its id).
 */
export async function deliverNotification(
  job: Job<NotificationJobData, NotificationJobResult>,
  context: NotificationContext,
  token?: string,
  signal?: AbortSignal,
): Promise<NotificationJobResult> {
  const { exportId, event, url, notification } = job.data;
  const shownUrl = displayNotifyUrl(url);
  const attempt = job.attemptsMade + 1;
  const log = context.logger.child({ exportId, event, url: shownUrl, attempt, jobId: job.id });
  const deliveries = new NotificationDeliveries(context.redis, context.queuePrefix);
  const previous = await deliveries.get(exportId, event);
  // A worker that stopped between recording the delivery and finishing the job: sent already.
  if (previous?.state === 'delivered') return { status: previous.lastStatus ?? 200 };
  // Each outcome replaces the last one's: a try without an answer leaves no status of an earlier try.
  const record: Pick<NotificationDelivery, 'event' | 'url' | 'enqueuedAt'> = {
    event,
    url: previous?.url ?? shownUrl,
    enqueuedAt: previous?.enqueuedAt ?? new Date(job.timestamp).toISOString(),
  };

  const outcome = await tryOnce(job, context, attempt, token, signal);
  const now = Date.now();
  if (outcome.delivered) {
    await deliveries.put(exportId, {
      ...record,
      state: 'delivered',
      attempts: attempt,
      deliveredAt: new Date(now).toISOString(),
      lastStatus: outcome.status,
      lastAnswer: `HTTP ${outcome.status}`,
    });
    log.info({ status: outcome.status }, 'notification delivered');
    return { status: outcome.status };
  }
  const answer = outcome.answer ? scrubbedAnswer(outcome.answer, url, context.variables) : undefined;
  const last = { lastAnswer: outcome.problem, ...(outcome.status !== undefined ? { lastStatus: outcome.status } : {}) };
  const policy = context.settings.retry;
  if (retriesExhausted(job.timestamp, now, policy)) {
    await deliveries.put(exportId, { ...record, state: 'given-up', attempts: attempt, givenUpAt: new Date(now).toISOString(), ...last });
    log.error({ problem: outcome.problem, answer }, 'notification given up: its receiver did not accept it before NOTIFY_GIVE_UP_MS');
    throw new UnrecoverableError(`notification of ${notification.deliveryId} to ${shownUrl} given up after ${attempt} tries: ${outcome.problem}`);
  }
  const nextTryAt = new Date(now + notificationRetryWait(attempt, policy)).toISOString();
  await deliveries.put(exportId, { ...record, state: 'pending', attempts: attempt, nextTryAt, ...last });
  log.warn({ problem: outcome.problem, answer, nextTryAt }, 'notification not accepted; tried again later');
  throw new Error(`${shownUrl} did not accept ${notification.deliveryId}: ${outcome.problem}`);
}

async function tryOnce(
  job: Job<NotificationJobData, NotificationJobResult>,
  context: NotificationContext,
  attempt: number,
  token: string | undefined,
  signal: AbortSignal | undefined,
): Promise<PostOutcome> {
  const secret = context.settings.secret;
  if (!secret) {
    // Another worker may have it: the try fails and is retried like a receiver that is down.
    context.logger.error({ exportId: job.data.exportId }, 'NOTIFY_SECRET is not set on this worker: it cannot sign notifications');
    return { delivered: false, problem: 'NOTIFY_SECRET is not set on the worker' };
  }
  const { notification } = job.data;
  const body = JSON.stringify(notification);
  const headers = {
    'Content-Type': 'application/json',
    'User-Agent': 'crm-bulk-export',
    [SIGNATURE_HEADER]: signatureHeaderValue(secret, body, Math.floor(Date.now() / 1000)),
    [DELIVERY_HEADER]: notification.deliveryId,
    [EVENT_HEADER]: notification.event,
    [ATTEMPT_HEADER]: String(attempt),
  };
  try {
    return await postNotification(job.data.url, body, headers, { timeoutMs: NOTIFY_REQUEST_TIMEOUT_MS, ...(signal ? { signal } : {}) });
  } catch (error) {
    if (signal?.aborted && token !== undefined) {
      context.logger.info({ exportId: job.data.exportId, jobId: job.id }, 'released notification on shutdown');
      await job.moveToWait(token);
      throw new WaitingError('released on shutdown');
    }
    throw error;
  }
}

/**
 * A refusing receiver's answer, fit for a log line: the worker's secrets, and the URL's query string and
 * its values (a receiver may echo the key it was given), blanked; one line, at most LOGGED_ANSWER_CHARS.
 */
function scrubbedAnswer(answer: string, url: string, variables: NodeJS.ProcessEnv): string {
  let text = secretScrubber(variables)(answer);
  const query = new URL(url).searchParams;
  const values = [...query.values()].filter((value) => value.length >= 4).sort((a, b) => b.length - a.length);
  for (const value of values) text = text.split(value).join('[redacted]');
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > LOGGED_ANSWER_CHARS ? `${text.slice(0, LOGGED_ANSWER_CHARS)}...` : text;
}
