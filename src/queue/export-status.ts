import { accountOf } from '../accounts/account-name.js';
import { recordsOf } from '../sources/registry.js';
import { Queue, QueueEvents } from './bullmq.js';
import type { Redis } from 'ioredis';
import { BulkExportError } from '../errors/index.js';
import { NotificationDeliveries, type NotificationDelivery } from '../notifications/notification-deliveries.js';
import { displayNotifyUrl } from '../notifications/notify-url.js';
import { folderOf } from '../sinks/export-layout.js';
import { CheckpointStore } from './checkpoint-store.js';
import { ExportControl } from './export-control.js';
import { RangeBoard } from './range-board.js';
import { ExportRegistry, type ExportState } from './export-registry.js';
import { EXPORT_QUEUE, RANGE_QUEUE } from './queue-names.js';
import { rangeJobId } from './range-job.js';
import { RangeRetryNotes, type RangeRetryNote } from './range-retry-notes.js';
import { createRedisConnection, redactUrl, type RedisTarget } from './redis-connection.js';
import { RedisOutageWatch, type RedisOutagePolicy } from './redis-outage-watch.js';
import { stillOpenAfter } from './bounded-close.js';
import { FORGOTTEN_EXPORTS_HINT } from '../config/environment.js';

export interface RangeFailure {
  rangeIndex: number;
  reason: string;
}

export interface ExportStatus {
  exportId: string;
  state: ExportState | 'unknown';
  source: string;
  /** The record type it reads (`--records`): `contacts`. */
  records: string;
  /** The organization the export reads for (`--account`). */
  account: string;
  format: string;
  destination: string;
  ranges: { done: number; total: number; failed: RangeFailure[] };
  /**
   * Ranges that are trying again right now, and why (the latest failed try of an API or S3 request: what
   * failed, which service, the try about to be made), while the export runs; empty otherwise.
   */
  retrying: RangeRetryNote[];
  rows: number;
  plannedRows: number;
  parts: number;
  createdAt: string;
  finishedAt?: string;
  error?: string;
  /**
   * `--notify`: the receiver (user name, password and query string redacted) and the delivery of each
   * notification queued so far (none yet while the export runs); absent for an export without `--notify`.
   */
  notify?: { url: string; deliveries: NotificationDelivery[] };
}

/** Reads where an export stands from its registry entry, operator flag, checkpoints and jobs. */
export async function readExportStatus(redis: Redis, prefix: string, exportId: string): Promise<ExportStatus | undefined> {
  const record = await new ExportRegistry(redis, prefix).get(exportId);
  if (!record) return undefined;
  const { spec } = record;
  const rangeCount = await new RangeBoard(redis, prefix).rangeCount(spec);
  const checkpoints = await new CheckpointStore(redis, prefix).loadAll(exportId, rangeCount);
  const command = await new ExportControl(redis, prefix).get(exportId);
  const exports = new Queue(EXPORT_QUEUE, { connection: redis, prefix });
  const ranges = new Queue(RANGE_QUEUE, { connection: redis, prefix });
  try {
    const job = await exports.getJob(exportId);
    const jobState = job ? await job.getState() : 'unknown';
    const failed = await failedRanges(ranges, exportId, rangeCount);
    const notes = await new RangeRetryNotes(redis, prefix).list(exportId);
    let state: ExportStatus['state'] = record.state;
    let error = record.error;
    if (command === 'cancel') state = 'cancelled';
    else if (jobState === 'completed') state = 'committed';
    else if (jobState === 'failed') {
      state = 'failed';
      error = job?.failedReason;
    } else if (failed.length > 0) {
      state = 'failed';
      error = `${failed.length} range(s) failed, first: range ${failed[0]!.rangeIndex}: ${failed[0]!.reason.replace(/\.$/, '')}. Fix the cause, then: bulk-export retry ${exportId}`;
    } else if (command === 'pause') state = 'paused';
    else if (state === 'failed' && job) {
      // The failed ranges were retried (CLI or Bull Board): the export runs again.
      state = 'running';
      error = undefined;
    }
    const settled = new Set([
      ...failed.map((failure) => failure.rangeIndex),
      ...checkpoints.flatMap((checkpoint, index) => (checkpoint?.done ? [index] : [])),
    ]);
    const retrying = state === 'running' || state === 'paused' ? notes.filter((note) => !settled.has(note.rangeIndex)) : [];
    return {
      exportId,
      state,
      source: spec.source.kind,
      records: recordsOf(spec.source),
      account: accountOf(spec.source),
      format: spec.format + (spec.gzip ? '.gz' : ''),
      destination: `s3://${spec.destination.bucket}/${folderOf(spec)}/`,
      ranges: { done: checkpoints.filter((c) => c?.done).length, total: rangeCount, failed },
      retrying,
      rows: checkpoints.reduce((sum, c) => sum + (c?.rows ?? 0), 0),
      plannedRows: spec.plannedRows,
      parts: checkpoints.reduce((sum, c) => sum + (c?.parts.length ?? 0), 0),
      createdAt: spec.createdAt,
      finishedAt: record.finishedAt,
      error,
      ...(spec.notifyUrl
        ? { notify: { url: displayNotifyUrl(spec.notifyUrl), deliveries: await new NotificationDeliveries(redis, prefix).list(exportId) } }
        : {}),
    };
  } finally {
    await Promise.all([exports.close(), ranges.close()]);
  }
}

async function failedRanges(ranges: Queue, exportId: string, rangeCount: number): Promise<RangeFailure[]> {
  const jobs = await Promise.all(Array.from({ length: rangeCount }, (_, index) => ranges.getJob(rangeJobId(exportId, index))));
  const failures: RangeFailure[] = [];
  for (const [index, job] of jobs.entries()) {
    if (job && job.finishedOn && job.failedReason && (await job.isFailed())) failures.push({ rangeIndex: index, reason: job.failedReason });
  }
  return failures;
}

/**
 * Between two reads of the export's state while nothing is heard of it. The events wake the wait up at
 * once; this re-read catches what they cannot say: events lost while Redis was away (a failover can lose
 * the last entries of an events stream) and a Redis that stopped answering without closing a connection.
 */
const RECHECK_MS = 5_000;

/**
 * Resolves with the export's status once it committed; rejects as soon as it failed, was cancelled, or
 * one of its ranges failed for good (the export then waits for `retry`, but a waiting script should hear
 * of it). Rides through Redis restarting or failing over (see RedisOutageWatch): `outage` says where to
 * say so and how long to wait for Redis. `connection` reads the state; one from createRedisConnection
 * waits through reconnects, where a fail-fast one gives up on a restarting Redis. `signal` ends the wait
 * (rejecting with its reason) and lets go of its connections; the export goes on.
 */
export async function waitForExport(
  target: RedisTarget,
  prefix: string,
  connection: Redis,
  exportId: string,
  outage: Partial<RedisOutagePolicy> = {},
  signal?: AbortSignal,
): Promise<ExportStatus> {
  signal?.throwIfAborted();
  const watch = new RedisOutageWatch(exportId, { redisLabel: labelOf(target), ...outage });
  const connections = [createRedisConnection(target, 'bulk-export:wait'), createRedisConnection(target, 'bulk-export:wait')];
  const exportEvents = new QueueEvents(EXPORT_QUEUE, { connection: connections[0]!, prefix });
  const rangeEvents = new QueueEvents(RANGE_QUEUE, { connection: connections[1]!, prefix });
  let heard: { committed: boolean; failure?: BulkExportError } = { committed: false };
  let wake: () => void = () => undefined;
  const sawConnectionError = (error: Error) => watch.saw(error);
  const hear = (news: Partial<typeof heard>) => {
    heard = { ...heard, ...news };
    wake();
  };
  // A read waiting for Redis ends at once: the wait is over.
  const onAbort = () => {
    watch.stop();
    wake();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    exportEvents.on('completed', ({ jobId }) => jobId === exportId && hear({ committed: true }));
    exportEvents.on(
      'failed',
      ({ jobId, failedReason }) => jobId === exportId && hear({ failure: new BulkExportError('EXPORT_FAILED', failedReason) }),
    );
    rangeEvents.on('failed', ({ jobId, failedReason }) => {
      if (jobId.startsWith(`${exportId}-r`))
        hear({ failure: new BulkExportError('RANGE_FAILED', `range ${jobId.slice(exportId.length + 2)} failed: ${failedReason}`) });
    });
    // An events stream that fails (Redis away) is read again by BullMQ; a read of the state says whether Redis is there.
    for (const events of [exportEvents, rangeEvents]) {
      events.on('error', (error) => {
        watch.saw(error);
        wake();
      });
    }
    connection.on('error', sawConnectionError);
    await watch.read(() => Promise.all([exportEvents.waitUntilReady(), rangeEvents.waitUntilReady()]));
    for (;;) {
      // Whatever happened before we listened, or while Redis was away:
      const status = await watch.read(() => readExportStatus(connection, prefix, exportId));
      signal?.throwIfAborted();
      if (heard.failure) throw heard.failure;
      if (!status)
        throw new BulkExportError(
          'UNKNOWN_EXPORT',
          `No export ${exportId} in this Redis (check REDIS_URL and the queue prefix; ${FORGOTTEN_EXPORTS_HINT}).`,
        );
      if (heard.committed || status.state === 'committed') return status;
      if (status.state === 'failed' || status.state === 'cancelled') {
        throw new BulkExportError('EXPORT_FAILED', status.error ?? `export ${exportId} is ${status.state}`);
      }
      // News heard while the state was being read is acted on now, not at the next re-read.
      if (heard.committed || heard.failure) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, RECHECK_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = () => undefined;
    }
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    connection.off('error', sawConnectionError);
    // The outcome is known: an events stream whose connection a failover left reconnecting must not keep the
    // command from returning it (nor `start --wait` from exiting).
    await stillOpenAfter(
      new Map([
        ['export events', exportEvents.close()],
        ['range events', rangeEvents.close()],
      ]),
    );
    for (const connection of connections) connection.disconnect();
  }
}

function labelOf(target: RedisTarget): string {
  return typeof target === 'string' ? redactUrl(target) : target.label;
}
