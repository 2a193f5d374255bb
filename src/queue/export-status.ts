import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { CheckpointStore } from './checkpoint-store.js';
import { ExportRegistry, type ExportState } from './export-registry.js';
import { EXPORT_QUEUE } from './queue-names.js';
import { formatS3Url } from '../sinks/s3/s3-location.js';
import { createRedisConnection } from './redis-connection.js';

export interface ExportStatus {
  exportId: string;
  state: ExportState | 'unknown';
  source: string;
  format: string;
  destination: string;
  ranges: { done: number; total: number };
  rows: number;
  plannedRows: number;
  parts: number;
  createdAt: string;
  finishedAt?: string;
  error?: string;
}

/** Reads where an export stands from its registry entry, its checkpoints and its parent job. */
export async function readExportStatus(redis: Redis, prefix: string, exportId: string): Promise<ExportStatus | undefined> {
  const record = await new ExportRegistry(redis, prefix).get(exportId);
  if (!record) return undefined;
  const { spec } = record;
  const checkpoints = await new CheckpointStore(redis, prefix).loadAll(exportId, spec.rangeCount);
  const queue = new Queue(EXPORT_QUEUE, { connection: redis, prefix });
  try {
    const job = await queue.getJob(exportId);
    const jobState = job ? await job.getState() : 'unknown';
    let state: ExportStatus['state'] = record.state;
    let error = record.error;
    if (jobState === 'completed') state = 'committed';
    else if (jobState === 'failed') {
      state = 'failed';
      error = job?.failedReason;
    }
    return {
      exportId,
      state,
      source: spec.source.kind,
      format: spec.format + (spec.gzip ? '.gz' : ''),
      destination: formatS3Url(spec.destination, exportId),
      ranges: { done: checkpoints.filter((c) => c?.done).length, total: spec.rangeCount },
      rows: checkpoints.reduce((sum, c) => sum + (c?.rows ?? 0), 0),
      plannedRows: spec.plannedRows,
      parts: checkpoints.reduce((sum, c) => sum + (c?.parts.length ?? 0), 0),
      createdAt: spec.createdAt,
      finishedAt: record.finishedAt,
      error,
    };
  } finally {
    await queue.close();
  }
}

/** Resolves with the commit result once the export's parent job completes; rejects with the reason it failed. */
export async function waitForExport(redisUrl: string, prefix: string, connection: Redis, exportId: string): Promise<unknown> {
  const eventsConnection = createRedisConnection(redisUrl, 'bulk-export:wait');
  const events = new QueueEvents(EXPORT_QUEUE, { connection: eventsConnection, prefix });
  const queue = new Queue(EXPORT_QUEUE, { connection, prefix });
  try {
    await events.waitUntilReady();
    const job = await queue.getJob(exportId);
    if (!job) throw new Error(`No export job ${exportId} in this Redis (check REDIS_URL and the queue prefix).`);
    return await job.waitUntilFinished(events);
  } finally {
    await Promise.all([events.close(), queue.close()]);
    eventsConnection.disconnect();
  }
}
