import type { CommittedPart } from '../sinks/manifest.js';
import type { ApiRowCount } from '../sources/api-row-count.js';
import type { SourceCursor } from '../sources/export-source.js';
import type { WrittenVersion } from '../planning/timestamp-position.js';

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

/**
 * A checkpoint as stored in Redis. Parts committed by earlier versions name their first and last key
 * `firstId`/`lastId`; they are read under the names parts have now.
 */
export function parseCheckpoint(text: string): RangeCheckpoint {
  const checkpoint = JSON.parse(text) as RangeCheckpoint;
  checkpoint.parts = checkpoint.parts.map((part) => {
    const older = part as CommittedPart & { firstId?: CommittedPart['firstKey']; lastId?: CommittedPart['lastKey'] };
    if (older.firstKey !== undefined || (older.firstId === undefined && older.lastId === undefined)) return part;
    const { firstId, lastId, ...rest } = older;
    return { ...rest, firstKey: firstId ?? null, lastKey: lastId ?? null };
  });
  return checkpoint;
}
