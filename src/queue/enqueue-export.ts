import { FlowProducer } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ExportRange } from '../planning/export-range.js';
import type { ExportSpec } from './export-spec.js';
import { EXPORT_JOB_OPTIONS, RANGE_JOB_OPTIONS } from './job-policies.js';
import { EXPORT_QUEUE, RANGE_QUEUE } from './queue-names.js';
import { rangeJobId, type RangeJobData } from './range-job.js';

/** One BullMQ flow: the export job waits for one child job per range, then commits. */
export async function enqueueExport(connection: Redis, prefix: string, spec: ExportSpec, ranges: ExportRange[]): Promise<void> {
  const producer = new FlowProducer({ connection, prefix });
  try {
    await producer.add({
      name: 'export',
      queueName: EXPORT_QUEUE,
      data: spec,
      opts: { ...EXPORT_JOB_OPTIONS, jobId: spec.exportId },
      children: ranges.map((range) => ({
        name: `range-${range.index}`,
        queueName: RANGE_QUEUE,
        data: { spec, range } satisfies RangeJobData,
        opts: { ...RANGE_JOB_OPTIONS, jobId: rangeJobId(spec.exportId, range.index) },
      })),
    });
  } finally {
    await producer.close();
  }
}
