import type { Redis } from 'ioredis';
import { CheckpointStore } from '../queue/checkpoint-store.js';
import type { RangeCheckpoint } from '../queue/range-checkpoint.js';
import { partFormatOf, type ExportMetrics } from './export-metrics.js';

/**
 * The worker's checkpoint store, counting each part once when its checkpoint advanced: that is the
 * moment the part belongs to the export (its upload is confirmed and no other worker owns the range).
 * Parts of attempts that lost their range to another worker are not counted, nor are parts recovered
 * from an earlier attempt's checkpoint.
 */
export class MeteredCheckpointStore extends CheckpointStore {
  constructor(
    redis: Redis,
    prefix: string,
    private readonly metrics: ExportMetrics,
  ) {
    super(redis, prefix);
  }

  override async advance(exportId: string, rangeIndex: number, expectedSequence: number, next: RangeCheckpoint): Promise<void> {
    await super.advance(exportId, rangeIndex, expectedSequence, next);
    for (const part of next.parts) {
      if (part.sequence >= expectedSequence && part.sequence < next.nextSequence) {
        this.metrics.recordPart(partFormatOf(part.key), part.rows, part.bytes);
      }
    }
  }
}
