import { Queue, type Job } from '../bullmq.js';
import type { Redis } from 'ioredis';
import { InvalidInputError } from '../../errors/index.js';
import { ExportRegistry, type ExportRecord } from '../export-registry.js';
import { EXPORT_QUEUE, RANGE_QUEUE } from '../queue-names.js';
import { RangeBoard } from '../range-board.js';
import { rangeJobId, type RangeJobData } from '../range-job.js';
import { FORGOTTEN_EXPORTS_HINT } from '../../config/environment.js';

/** An export's registry entry and its BullMQ jobs, for the operator commands. */
export interface ExportJobs {
  record: ExportRecord;
  exports: Queue;
  ranges: Queue;
  parent: Job | undefined;
  rangeJobs: (Job<RangeJobData> | undefined)[];
  close(): Promise<void>;
}

export async function openExportJobs(redis: Redis, prefix: string, exportId: string): Promise<ExportJobs> {
  const record = await new ExportRegistry(redis, prefix).get(exportId);
  if (!record)
    throw new InvalidInputError(
      `No export "${exportId}" is known to the Redis at REDIS_URL (see bulk-export list; ${FORGOTTEN_EXPORTS_HINT}; resume it with --dest to rebuild it from S3).`,
    );
  const exports = new Queue(EXPORT_QUEUE, { connection: redis, prefix });
  const ranges = new Queue<RangeJobData>(RANGE_QUEUE, { connection: redis, prefix });
  const parent = await exports.getJob(exportId);
  const rangeCount = await new RangeBoard(redis, prefix).rangeCount(record.spec);
  const rangeJobs = await Promise.all(Array.from({ length: rangeCount }, (_, index) => ranges.getJob(rangeJobId(exportId, index))));
  return {
    record,
    exports,
    ranges,
    parent,
    rangeJobs,
    async close() {
      await Promise.all([exports.close(), ranges.close()]);
    },
  };
}
