import { QueueEvents } from 'bullmq';
import { RANGE_QUEUE } from '../../src/queue/queue-names.js';
import { createRedisConnection, type RedisTarget } from '../../src/queue/redis-connection.js';
import type { RangeProgress } from '../../src/queue/range-job.js';

/** Resolves once the export's ranges reported at least `parts` committed parts in all (an event, not a poll). */
export async function waitForCommittedParts(redis: RedisTarget, prefix: string, exportId: string, parts: number): Promise<void> {
  const connection = createRedisConnection(redis, 'test-progress');
  const events = new QueueEvents(RANGE_QUEUE, { connection, prefix });
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
