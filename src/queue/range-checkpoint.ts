import type { CommittedPart } from '../sinks/manifest.js';
import type { ApiRowCount } from '../sources/api-row-count.js';
import type { SourceCursor } from '../sources/export-source.js';
import type { WrittenVersion } from '../sources/timestamp-keyset.js';

/**
 * How far one range has been committed: everything up to `cursor` is in `parts` on S3.
 * Advanced only after a part's upload is confirmed.
 */
export interface RangeCheckpoint {
  cursor: SourceCursor | null;
  nextSequence: number;
  rows: number;
  parts: CommittedPart[];
  done: boolean;
  updatedAt: string;
  /** Incremental exports read by id: the newest versions written that may lie at or after the next watermark (see read-clock-watermark.ts). */
  written?: WrittenVersion[];
  /**
   * What the API said about this range up to `cursor` (the done checkpoint: up to the range's end): rows
   * it returned and the counts it reported, for the commit's row-count check. Absent when the source
   * reports none, or the range was rebuilt from S3.
   */
  apiCount?: ApiRowCount;
}

export function initialCheckpoint(): RangeCheckpoint {
  return { cursor: null, nextSequence: 0, rows: 0, parts: [], done: false, updatedAt: new Date().toISOString() };
}
