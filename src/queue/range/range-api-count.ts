import { continuedCount, NOTHING_READ, type ApiRowCount } from '../../sources/api-row-count.js';
import type { RangeCheckpoint } from '../range-checkpoint.js';

/**
 * What the API said about a range up to the latest page, continued from the checkpoint's count (see
 * ApiRowCount): the commit's row-count check compares it with the rows written. Unknown when a checkpoint
 * without one is resumed.
 */
export class RangeApiCount {
  private readonly before: ApiRowCount | undefined;
  private count: ApiRowCount | undefined;

  constructor(checkpoint: RangeCheckpoint) {
    this.before = checkpoint.apiCount ?? (checkpoint.cursor === null ? NOTHING_READ : undefined);
    this.count = checkpoint.apiCount;
  }

  get current(): ApiRowCount | undefined {
    return this.count;
  }

  /**
   * A page's count since the checkpoint's cursor. `narrowed`: a split moved the range's end, so the API's
   * totals (counted to the old end) say nothing of the range any more; the rows read still do.
   */
  observe(sinceCheckpoint: ApiRowCount | undefined, narrowed: boolean): void {
    if (sinceCheckpoint && this.before) this.count = continuedCount(this.before, sinceCheckpoint);
    if (narrowed && this.count) this.count = { read: this.count.read, reported: null };
  }
}
