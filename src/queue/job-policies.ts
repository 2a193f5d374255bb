import type { JobsOptions } from './bullmq.js';

/** Finished jobs are trimmed so Redis does not grow without end. */
const RETENTION = {
  removeOnComplete: { age: 7 * 24 * 3600, count: 5000 },
  removeOnFail: { age: 14 * 24 * 3600, count: 5000 },
} satisfies Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'>;

/**
 * A range retries from its checkpoint. After its last attempt it stays failed and the export waits:
 * the operator can retry that one range (Bull Board or `bulk-export retry`) and the export goes on.
 */
export const RANGE_JOB_OPTIONS: JobsOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 2000 },
  ...RETENTION,
};

/**
 * An export's job waits for its commit in the order its ranges finished: BullMQ puts a parent whose children
 * are done on the end its workers take from (last in, first out) unless it has a priority, and with many
 * exports the first to finish could wait minutes for its commit behind later ones. Every export job has the
 * same priority, so they are committed first in, first out.
 */
export const EXPORT_JOB_OPTIONS: JobsOptions = {
  priority: 1,
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  ...RETENTION,
};

/**
 * A killed worker's ranges are handed on once it is silent in the fleet roster (dead-worker-handover.ts).
 * The lock and the stall check cover a job whose worker still beats but no longer renews its lock: it is
 * picked up again within lock duration + stall interval (12 s). The lock is renewed every half lock
 * duration, so no single blocking step may take 4 s or more.
 */
export const DEFAULT_LOCK_DURATION_MS = 8_000;
export const DEFAULT_STALLED_INTERVAL_MS = 4_000;
