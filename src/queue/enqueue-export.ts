import { FlowProducer, Queue } from './bullmq.js';
import type { Redis } from 'ioredis';
import type { ExportRange } from '../planning/export-range.js';
import type { ExportSpec } from './export-spec.js';
import { EXPORT_JOB_OPTIONS, RANGE_JOB_OPTIONS } from './job-policies.js';
import { EXPORT_QUEUE, RANGE_QUEUE } from './queue-names.js';
import { RangeBoard } from './range-board.js';
import { rangeJobId, type RangeJobData } from './range-job.js';

/** BullMQ's largest priority (2^21): larger values are refused. */
const LOWEST_PRIORITY = 2_097_152;

/**
 * A range's turn among every export's waiting ranges: its export's first range goes before any export's
 * second, and so on (equal turns in the order they were queued). A free slot so goes to the exports in turn,
 * not to the export started first: an export started after a large one has its first ranges taken as soon
 * as slots free, and a range that gave its slot back (its account's budget spent) keeps its turn.
 */
function rangeTurn(range: ExportRange): number {
  return Math.min(range.index + 1, LOWEST_PRIORITY);
}

/**
 * One BullMQ flow: the export job waits for one child job per range, then commits. The ranges go on the
 * range board first, where running ranges are split (work-stealing.ts); each split adds a child to the
 * waiting export job (`enqueueSplitRange`).
 */
export async function enqueueExport(connection: Redis, prefix: string, spec: ExportSpec, ranges: ExportRange[]): Promise<void> {
  await new RangeBoard(connection, prefix).init(spec.exportId, ranges);
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
        opts: { ...RANGE_JOB_OPTIONS, jobId: rangeJobId(spec.exportId, range.index), priority: rangeTurn(range) },
      })),
    });
  } finally {
    await producer.close();
  }
}

/**
 * Adds a range split off a running one as another child of the export job, which is still waiting for
 * its children: the range it was split from has not finished, and adds its own splits before it does.
 * Adding the same range again changes nothing (its job id is the range's).
 */
export async function enqueueSplitRange(connection: Redis, prefix: string, spec: ExportSpec, range: ExportRange): Promise<void> {
  const queue = new Queue<RangeJobData>(RANGE_QUEUE, { connection, prefix });
  try {
    await queue.add(
      `range-${range.index}`,
      { spec, range },
      {
        ...RANGE_JOB_OPTIONS,
        jobId: rangeJobId(spec.exportId, range.index),
        priority: rangeTurn(range),
        parent: { id: spec.exportId, queue: `${prefix}:${EXPORT_QUEUE}` },
      },
    );
  } finally {
    await queue.close();
  }
}
