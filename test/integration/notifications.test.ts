import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueueEvents } from '../../src/queue/bullmq.js';
import type { ExportNotification } from '../../src/notifications/export-notification.js';
import { NotificationDeliveries, type NotificationDelivery } from '../../src/notifications/notification-deliveries.js';
import type { ExportStatus } from '../../src/queue/export-status.js';
import { NOTIFY_QUEUE } from '../../src/queue/queue-names.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';
import { BUCKET, ExportFixture } from '../support/export-fixture.js';
import { NotificationReceiver, type ReceivedNotification } from '../support/notification-receiver.js';

const SECRET = 'notify-secret-7c2e9b41a0d3';
/** A key the receiver takes in its query string: it must show nowhere but in the requests. */
const RECEIVER_KEY = 'receiver-key-5f81c2d9';
/** Short waits, so that a receiver down for a few tries is down for well under a second. */
const NOTIFY_ENV = { NOTIFY_SECRET: SECRET, NOTIFY_RETRY_FIRST_WAIT_MS: '100', NOTIFY_RETRY_MAX_WAIT_MS: '400' };

/**
 * Completion notifications (`--notify`) received by a real local HTTP server that checks every signature
 * with the helper the docs tell receivers to copy: an export that commits, a receiver that refuses and
 * then is down for a while (and the worker restarted meanwhile), an export that fails.
 */
describe('completion notifications', () => {
  let fixture: ExportFixture;
  let receiver: NotificationReceiver | undefined;
  let connection: Redis;
  let events: QueueEvents;

  beforeAll(async () => {
    fixture = await ExportFixture.create('notify', { contacts: 600 }, { env: NOTIFY_ENV });
    connection = createRedisConnection(fixture.redisUrl, 'test-notify-events');
    events = new QueueEvents(NOTIFY_QUEUE, { connection, prefix: fixture.prefix });
    await events.waitUntilReady();
    await fixture.startWorkers(1, 2);
  });
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });
  afterAll(async () => {
    await events?.close();
    connection?.disconnect();
    await fixture?.close();
  });

  /** Resolves when the notification job `jobId` completed (the receiver accepted it). */
  function completion(jobId: string): Promise<void> {
    return new Promise((resolve) => {
      const listener = (event: { jobId: string }) => {
        if (event.jobId !== jobId) return;
        events.off('completed', listener);
        resolve();
      };
      events.on('completed', listener);
    });
  }

  async function statusJson(exportId: string): Promise<ExportStatus> {
    const result = await fixture.cli(['status', exportId, '--json']);
    return JSON.parse(result.stdout) as ExportStatus;
  }

  it('POSTs one signed notification when an export commits, and status shows it delivered', async () => {
    receiver = await NotificationReceiver.start(SECRET);
    const dest = `s3://${BUCKET}/notify-commit`;
    const url = receiver.url(`/hooks/bulk-export?key=${RECEIVER_KEY}`);
    const { exportId, result } = await fixture.start(['--dest', dest, '--range-rows', '200', '--notify', url]);
    expect(result.code, result.stderr).toBe(0);
    const delivered = completion(`${exportId}-committed`);
    await fixture.waitForCommit(exportId);
    await delivered;

    expect(receiver.received).toHaveLength(1);
    const [post] = receiver.received as [ReceivedNotification];
    expect(post.check.valid).toBe(true);
    expect(post.status).toBe(200);
    expect(post.headers['bulk-export-delivery']).toBe(`${exportId}-committed`);
    expect(post.headers['bulk-export-event']).toBe('export.committed');
    expect(post.headers['bulk-export-attempt']).toBe('1');
    expect(post.headers['content-type']).toBe('application/json');
    const folder = await fixture.folder(dest, exportId);
    const manifest = (await fixture.manifest(folder))!;
    const notification = JSON.parse(post.body) as ExportNotification;
    expect(notification).toEqual({
      deliveryId: `${exportId}-committed`,
      event: 'export.committed',
      exportId,
      account: 'default',
      source: 'virtuous',
      table: 'virtuous/contacts',
      state: 'committed',
      rows: manifest.rows,
      parts: manifest.parts.length,
      manifest: `s3://${BUCKET}/${folder}/_manifest.json`,
      error: null,
      occurredAt: manifest.endedAt,
    });
    expect(manifest.rows).toBe(600);

    const status = await statusJson(exportId);
    expect(status.notify).toEqual({
      url: `${receiver.url('/hooks/bulk-export')}?[redacted]`,
      deliveries: [expect.objectContaining({ event: 'committed', state: 'delivered', attempts: 1, lastStatus: 200 })],
    });
    const text = await fixture.cli(['status', exportId]);
    expect(text.stdout).toMatch(/notified +committed: delivered at \S+ \(try 1, HTTP 200\)/);
    // The receiver's key is in no output: status, the worker's log, the jobs' failure reasons.
    expect(JSON.stringify(status) + text.stdout + fixture.workers[0]!.output()).not.toContain(RECEIVER_KEY);
  });

  it('tries again while the receiver refuses or is down, across a worker restart, and delivers once', async () => {
    receiver = await NotificationReceiver.start(SECRET);
    // Two refusals that echo the key the receiver was given (the worker logs them scrubbed), then 200.
    let refusing = true;
    receiver.answer = () => (refusing ? { status: 503, body: `busy; retry later with key=${RECEIVER_KEY}` } : { status: 200 });
    const dest = `s3://${BUCKET}/notify-retry`;
    const { exportId } = await fixture.start(['--dest', dest, '--range-rows', '200', '--notify', receiver.url(`/hook?key=${RECEIVER_KEY}`)]);
    const jobId = `${exportId}-committed`;
    const delivered = completion(jobId);
    await fixture.waitForCommit(exportId);
    await receiver.requests(2);

    // Down: its port closed. Two tries fail to connect, recorded for status as they happen.
    await receiver.goDown();
    const refusedBefore = receiver.received.length;
    const deliveries = new NotificationDeliveries(connection, fixture.prefix);
    const down = await recordAfterFailedTries(deliveries, events, exportId, 2);
    expect(down).toMatchObject({ state: 'pending', lastAnswer: expect.stringMatching(/^connection failed/) });
    expect(down.lastStatus).toBeUndefined(); // a refused connection has no status
    const pending = await statusJson(exportId);
    expect(pending.notify!.deliveries[0]).toMatchObject({ state: 'pending', nextTryAt: expect.any(String) });
    expect((await fixture.cli(['status', exportId])).stdout).toMatch(
      /notified +committed: pending, try \d+ failed \(connection failed.*\), next try at /,
    );

    // The worker is replaced while the receiver is down; the next one takes the retries up.
    const [old] = fixture.workers.splice(0, 1);
    const oldOutput = old!.output();
    await old!.stop();
    await fixture.startWorkers(1, 2);
    refusing = false;
    await receiver.comeBack();
    await delivered;

    const accepted = receiver.received.filter((post) => post.status === 200);
    expect(accepted).toHaveLength(1);
    expect(receiver.received.every((post) => post.check.valid)).toBe(true);
    // Every try is the same notification: one delivery id, the same body bytes, numbered tries.
    expect(new Set(receiver.received.map((post) => post.headers['bulk-export-delivery']))).toEqual(new Set([jobId]));
    expect(new Set(receiver.received.map((post) => post.body)).size).toBe(1);
    const tries = receiver.received.map((post) => Number(post.headers['bulk-export-attempt']));
    expect(tries.slice(0, refusedBefore)).toEqual(Array.from({ length: refusedBefore }, (_, index) => index + 1));
    // Tries were made while it was down (their numbers are missing from what it received).
    expect(tries.at(-1)!).toBeGreaterThanOrEqual(refusedBefore + 3);

    const status = await statusJson(exportId);
    expect(status.notify!.deliveries).toEqual([
      expect.objectContaining({ event: 'committed', state: 'delivered', attempts: tries.at(-1), lastStatus: 200, deliveredAt: expect.any(String) }),
    ]);
    // The receiver's answers were logged without the key it echoed.
    const logs = oldOutput + fixture.workers.map((worker) => worker.output()).join('');
    expect(oldOutput).toContain('notification not accepted; tried again later');
    expect(oldOutput).toContain('busy; retry later with key=[redacted]');
    expect(logs).not.toContain(RECEIVER_KEY);
    expect(logs).not.toContain(SECRET);
  });
});

describe('a failed export', () => {
  let fixture: ExportFixture;
  let receiver: NotificationReceiver;

  beforeAll(async () => {
    fixture = await ExportFixture.create('notify-failed', { contacts: 300 }, { env: NOTIFY_ENV });
    receiver = await NotificationReceiver.start(SECRET);
  });
  afterAll(async () => {
    await receiver?.close();
    await fixture?.close();
  });

  it('is notified with its error code once a range fails for good', async () => {
    const dest = `s3://${BUCKET}/notify-failed`;
    // Planned with a valid token; the API then revokes it (rotated, no grace) before any worker reads a page.
    const { exportId, result } = await fixture.start(['--dest', dest, '--range-rows', '150', '--notify', receiver.url()]);
    expect(result.code, result.stderr).toBe(0);
    fixture.simulator.organizations[0]!.rotateToken();
    await fixture.startWorkers(1, 2);

    const [post] = (await receiver.requests(1)) as [ReceivedNotification];
    expect(post.check.valid).toBe(true);
    expect(post.headers['bulk-export-event']).toBe('export.failed');
    const notification = JSON.parse(post.body) as ExportNotification;
    expect(notification).toMatchObject({
      deliveryId: `${exportId}-failed`,
      event: 'export.failed',
      exportId,
      account: 'default',
      source: 'virtuous',
      table: 'virtuous/contacts',
      state: 'failed',
      rows: null,
      parts: null,
      manifest: null,
      error: { code: 'SOURCE_HTTP_401', message: expect.stringMatching(/^range \d+ failed for good: .*401/) },
    });
    const status = JSON.parse((await fixture.cli(['status', exportId, '--json'])).stdout) as ExportStatus;
    expect(status.state).toBe('failed');
    // Every range fails with the same 401; the notification is one all the same.
    expect(status.notify!.deliveries).toEqual([expect.objectContaining({ event: 'failed' })]);
    expect(new Set(receiver.received.map((received) => received.headers['bulk-export-delivery']))).toEqual(new Set([`${exportId}-failed`]));
  });
});

/**
 * The delivery record once `count` more tries failed without an answer (connection refused), read again
 * on each try BullMQ puts off ('delayed' events).
 */
async function recordAfterFailedTries(
  deliveries: NotificationDeliveries,
  events: QueueEvents,
  exportId: string,
  count: number,
): Promise<NotificationDelivery> {
  let firstRefused: number | undefined;
  for (;;) {
    const record = await deliveries.get(exportId, 'committed');
    if (record?.lastAnswer?.startsWith('connection failed')) {
      firstRefused ??= record.attempts;
      if (record.attempts >= firstRefused + count - 1) return record;
    }
    // A try put off between the read and this wait is missed; the next one comes, as tries go on while the receiver is down.
    await new Promise<void>((resolve) => {
      const listener = ({ jobId }: { jobId: string }) => {
        if (jobId !== `${exportId}-committed`) return;
        events.off('delayed', listener);
        resolve();
      };
      events.on('delayed', listener);
    });
  }
}
