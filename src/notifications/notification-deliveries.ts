import type { Redis } from 'ioredis';
import type { NotificationEvent } from './export-notification.js';

/**
 * Where a notification stands, as `status` shows it: `pending` (not tried yet, or tried and waiting for the
 * next try), `delivered` (a try got a 2xx answer) or `given-up` (tries failed until NOTIFY_GIVE_UP_MS).
 */
export interface NotificationDelivery {
  event: NotificationEvent;
  /** The receiver, user name, password and query string redacted (displayNotifyUrl). */
  url: string;
  state: 'pending' | 'delivered' | 'given-up';
  /** Tries made so far. */
  attempts: number;
  enqueuedAt: string;
  /** Pending: when the next try is due. */
  nextTryAt?: string;
  deliveredAt?: string;
  givenUpAt?: string;
  /** The last try's HTTP status, when the receiver answered. */
  lastStatus?: number;
  /** The last try's outcome in words: `HTTP 503`, `no answer within 10 s`, `connection failed (ECONNREFUSED)`. */
  lastAnswer?: string;
}

/**
 * The delivery records of each export's notifications, `<prefix>:notification:<exportId>` (a hash by
 * event). Kept apart from the jobs, which retention trims, so that `status` still says a notification was
 * delivered, and a second enqueue of a delivered one sends nothing, however old the export.
 */
export class NotificationDeliveries {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(exportId: string): string {
    return `${this.prefix}:notification:${exportId}`;
  }

  /** Records a new pending notification; false (and nothing changed) when the event already has a record. */
  async create(exportId: string, delivery: NotificationDelivery): Promise<boolean> {
    return (await this.redis.hsetnx(this.key(exportId), delivery.event, JSON.stringify(delivery))) === 1;
  }

  async get(exportId: string, event: NotificationEvent): Promise<NotificationDelivery | undefined> {
    const text = await this.redis.hget(this.key(exportId), event);
    return text ? (JSON.parse(text) as NotificationDelivery) : undefined;
  }

  async put(exportId: string, delivery: NotificationDelivery): Promise<void> {
    await this.redis.hset(this.key(exportId), delivery.event, JSON.stringify(delivery));
  }

  /** Every notification of the export, oldest first. */
  async list(exportId: string): Promise<NotificationDelivery[]> {
    const records = Object.values(await this.redis.hgetall(this.key(exportId))).map((text) => JSON.parse(text) as NotificationDelivery);
    return records.sort((a, b) => a.enqueuedAt.localeCompare(b.enqueuedAt));
  }
}
