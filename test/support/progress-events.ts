import { QueueEvents } from '../../src/queue/bullmq.js';
import { RANGE_QUEUE } from '../../src/queue/queue-names.js';
import { createCommandConnection, createRedisConnection, type RedisTarget } from '../../src/queue/redis-connection.js';
import { waitForExport } from '../../src/queue/export-status.js';
import type { RangeProgress } from '../../src/queue/range-job.js';

/**
 * Resolves once the export's ranges reported at least `parts` committed parts in all: an event, not a poll, and
 * the events stream is read from its start, so parts committed before the call count too.
 */
export async function waitForCommittedParts(redis: RedisTarget, prefix: string, exportId: string, parts: number): Promise<void> {
  const connection = createRedisConnection(redis, 'test-progress');
  const events = new QueueEvents(RANGE_QUEUE, { connection, prefix, lastEventId: '0' });
  try {
    const perRange = new Map<string, number>();
    await new Promise<void>((resolve) => {
      events.on('progress', ({ jobId, data }) => {
        if (!jobId.startsWith(`${exportId}-r`)) return;
        perRange.set(jobId, Math.max(perRange.get(jobId) ?? 0, (data as RangeProgress).parts));
        if ([...perRange.values()].reduce((a, b) => a + b, 0) >= parts) resolve();
      });
      void events.waitUntilReady();
    });
  } finally {
    await events.close();
    connection.disconnect();
  }
}

/**
 * Resolves with the index of the `count`-th range added to the export after `plannedRanges` were planned:
 * a range split off a running one (work stealing). An event, not a poll; the events stream is read from
 * its start, so splits made before the call count too.
 */
export async function waitForSplits(redis: RedisTarget, prefix: string, exportId: string, plannedRanges: number, count: number): Promise<number> {
  const connection = createRedisConnection(redis, 'test-splits');
  const events = new QueueEvents(RANGE_QUEUE, { connection, prefix, lastEventId: '0' });
  try {
    const added = new Set<number>();
    return await new Promise<number>((resolve) => {
      events.on('added', ({ jobId }) => {
        const match = new RegExp(`^${exportId}-r(\\d+)$`).exec(jobId);
        if (!match || Number(match[1]) < plannedRanges) return;
        added.add(Number(match[1]));
        if (added.size >= count) resolve(Number(match[1]));
      });
      void events.waitUntilReady();
    });
  } finally {
    await events.close();
    connection.disconnect();
  }
}

/** Resolves when the export committed; rejects when it failed, was cancelled or a range failed for good. */
export async function waitForCommit(redisUrl: string, prefix: string, exportId: string): Promise<void> {
  const redis = createCommandConnection(redisUrl, 'test-wait');
  try {
    await waitForExport(redisUrl, prefix, redis, exportId);
  } finally {
    redis.disconnect();
  }
}
