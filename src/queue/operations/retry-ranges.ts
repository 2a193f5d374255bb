import type { Redis } from 'ioredis';
import { BulkExportError, InvalidInputError } from '../../errors/index.js';
import type { ExportRange } from '../../planning/export-range.js';
import { formatS3Url } from '../../sinks/s3/s3-location.js';
import { CheckpointStore } from '../checkpoint-store.js';
import { RangeBoard } from '../range-board.js';
import { CommitFence } from '../commit-fence.js';
import { enqueueExport } from '../enqueue-export.js';
import { ExportRegistry } from '../export-registry.js';
import { openExportJobs } from './export-jobs.js';

export interface RetryOutcome {
  /** Ranges that had failed for good and run again from their checkpoints. */
  ranges: number[];
  /** Set when the export's commit had failed for good and was retried. */
  commit?: {
    /** Why it had failed, as it said then. */
    reason: string;
    /** Ranges read again before the commit runs (a refused commit rewound them); empty = the commit alone runs again. */
    rangesReadAgain: number[];
  };
}

/**
 * Retries what failed for good in an export: its failed ranges (or one of them) from their checkpoints,
 * and a failed commit. A commit that failed with every range done simply runs again; one that left
 * ranges unfinished (it rewound them because parts were missing on S3) gets the export's flow enqueued
 * anew, in which the finished ranges complete at once from their checkpoints and the others read on,
 * and the commit runs once they are all done.
 */
export async function retryFailedJobs(redis: Redis, prefix: string, exportId: string, onlyRange?: number): Promise<RetryOutcome> {
  const jobs = await openExportJobs(redis, prefix, exportId);
  try {
    if (onlyRange !== undefined && (onlyRange < 0 || onlyRange >= jobs.rangeJobs.length)) {
      throw new InvalidInputError(`--range must be between 0 and ${jobs.rangeJobs.length - 1} for ${exportId}.`);
    }
    const outcome: RetryOutcome = { ranges: [] };
    for (const [index, job] of jobs.rangeJobs.entries()) {
      if (onlyRange !== undefined && index !== onlyRange) continue;
      if (job && (await job.isFailed())) {
        await job.retry('failed');
        outcome.ranges.push(index);
      }
    }
    const parent = jobs.parent;
    if (parent && (await parent.isFailed())) {
      const reason = parent.failedReason ?? 'no reason recorded';
      const checkpoints = await new CheckpointStore(redis, prefix).loadAll(exportId, jobs.rangeJobs.length);
      const unfinished = checkpoints.flatMap((checkpoint, index) => (checkpoint?.done ? [] : [index]));
      if (unfinished.length === 0) {
        await parent.retry('failed');
      } else {
        const ranges = jobs.rangeJobs.map((job, index) => {
          if (!job) {
            throw new BulkExportError(
              'RANGE_JOBS_TRIMMED',
              `Range ${index} of ${exportId} has no job any more (finished jobs are trimmed after their retention). ` +
                `Rebuild the export from S3 instead: bulk-export resume ${exportId} --dest ${formatS3Url(jobs.record.spec.destination)}`,
            );
          }
          return job.data.range as ExportRange;
        });
        // Their ends as they stand now: splits moved some since their jobs were made.
        const current = new Map((await new RangeBoard(redis, prefix).ranges(exportId)).map((entry) => [entry.range.index, entry.range]));
        for (const [index, range] of ranges.entries()) ranges[index] = current.get(range.index) ?? range;
        // The ranges write again, so the fence of the failed commit must not stop their uploads.
        await new CommitFence(redis, prefix).lower(exportId);
        try {
          await parent.remove({ removeChildren: true });
        } catch (error) {
          throw new BulkExportError(
            'EXPORT_BUSY',
            `A job of ${exportId} is still being worked on (${(error as Error).message}); try again in a few seconds.`,
          );
        }
        await enqueueExport(redis, prefix, jobs.record.spec, ranges);
      }
      outcome.commit = { reason, rangesReadAgain: unfinished };
    }
    if (outcome.ranges.length > 0 || outcome.commit)
      await new ExportRegistry(redis, prefix).update(exportId, { state: 'running', error: undefined, finishedAt: undefined });
    return outcome;
  } finally {
    await jobs.close();
  }
}
