import type { Redis } from 'ioredis';
import { InvalidInputError } from '../../errors/index.js';
import { ExportRegistry } from '../export-registry.js';
import { openExportJobs } from './export-jobs.js';

/** Retries the export's failed ranges (or one of them) from their checkpoints. Returns the indexes retried. */
export async function retryFailedRanges(redis: Redis, prefix: string, exportId: string, onlyRange?: number): Promise<number[]> {
  const jobs = await openExportJobs(redis, prefix, exportId);
  try {
    if (onlyRange !== undefined && (onlyRange < 0 || onlyRange >= jobs.rangeJobs.length)) {
      throw new InvalidInputError(`--range must be between 0 and ${jobs.rangeJobs.length - 1} for ${exportId}.`);
    }
    const retried: number[] = [];
    for (const [index, job] of jobs.rangeJobs.entries()) {
      if (onlyRange !== undefined && index !== onlyRange) continue;
      if (job && (await job.isFailed())) {
        await job.retry('failed');
        retried.push(index);
      }
    }
    if (jobs.parent && (await jobs.parent.isFailed())) await jobs.parent.retry('failed');
    if (retried.length > 0) await new ExportRegistry(redis, prefix).update(exportId, { state: 'running', error: undefined });
    return retried;
  } finally {
    await jobs.close();
  }
}
