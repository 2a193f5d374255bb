import type { JobsOptions } from 'bullmq';

/** Finished jobs are trimmed so Redis does not grow without end. */
const RETENTION = {
  removeOnComplete: { age: 7 * 24 * 3600, count: 5000 },
  removeOnFail: { age: 14 * 24 * 3600, count: 5000 },
} satisfies Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'>;

/** A range retries from its checkpoint; only after the last attempt does the export fail. */
export const RANGE_JOB_OPTIONS: JobsOptions = {
  attempts: 6,
  backoff: { type: 'exponential', delay: 2000 },
  failParentOnFailure: true,
  ...RETENTION,
};

export const EXPORT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  ...RETENTION,
};

/** Lock long enough to cover one part's encode and upload; stalled jobs are detected within about this much. */
export const DEFAULT_LOCK_DURATION_MS = 30_000;
export const DEFAULT_STALLED_INTERVAL_MS = 15_000;
