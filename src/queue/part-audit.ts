import type { PartDiscrepancy } from '../errors/index.js';
import { rangeDoneKey } from '../sinks/export-layout.js';
import type { CommittedPart } from '../sinks/manifest.js';
import type { ObjectStore, StoredObject } from '../sinks/s3/object-store.js';
import type { CheckpointStore } from './checkpoint-store.js';
import type { RangeCheckpoint } from './range-checkpoint.js';

/**
 * The parts the checkpoints recorded that the folder's listing does not hold as recorded: gone, or of
 * another size (overwritten). A commit must not name them: readers of the manifest would miss rows.
 */
export function findPartDiscrepancies(parts: readonly CommittedPart[], listing: readonly StoredObject[]): PartDiscrepancy[] {
  const sizes = new Map(listing.map((object) => [object.key, object.size]));
  const discrepancies: PartDiscrepancy[] = [];
  for (const part of parts) {
    const foundBytes = sizes.get(part.key);
    if (foundBytes !== part.bytes) discrepancies.push({ key: part.key, rangeIndex: part.rangeIndex, recordedBytes: part.bytes, foundBytes });
  }
  return discrepancies;
}

/**
 * Rewinds every range holding a bad part to just before its first bad part, so that the range is read
 * again from there: the parts before it stay (their rows are on S3 as recorded), the cursor is where the
 * last of them ended (its object's `cursor` metadata; the range's start when there is none), the range is
 * no longer done and its `_ranges/*.done` marker is deleted (so `resume --dest` agrees). The dropped parts'
 * objects are no checkpoint's any more, and the next commit deletes them. Returns the ranges rewound.
 */
export async function rewindRangesToBadParts(args: {
  exportId: string;
  folder: string;
  store: ObjectStore;
  checkpoints: CheckpointStore;
  rangeCheckpoints: readonly RangeCheckpoint[];
  discrepancies: readonly PartDiscrepancy[];
}): Promise<number[]> {
  const badKeys = new Set(args.discrepancies.map((part) => part.key));
  const ranges = [...new Set(args.discrepancies.map((part) => part.rangeIndex))].sort((a, b) => a - b);
  for (const rangeIndex of ranges) {
    const checkpoint = args.rangeCheckpoints[rangeIndex]!;
    const firstBad = checkpoint.parts.findIndex((part) => badKeys.has(part.key));
    let kept = checkpoint.parts.slice(0, firstBad);
    let cursor: RangeCheckpoint['cursor'] = null;
    const lastKept = kept.at(-1);
    if (lastKept) {
      const endCursor = (await args.store.metadata(lastKept.key).catch(() => ({}) as Record<string, string>)).cursor;
      // Without the cursor the kept parts cannot be continued: the whole range is read again.
      if (endCursor === undefined) kept = [];
      else cursor = JSON.parse(endCursor) as RangeCheckpoint['cursor'];
    }
    // Built anew, not spread: what a checkpoint says about the rows up to its cursor (the API's counts) is
    // unknown for the kept parts alone, and is better missing than wrong. The versions written stay: rows
    // of dropped parts are read and written again, so none is lost by remembering it.
    const rewound: RangeCheckpoint = {
      ...(checkpoint.written ? { written: checkpoint.written } : {}),
      cursor,
      // Sequences continue from the kept parts, as `resume --dest` chains them (0, 1, 2, ...); a new part's key
      // differs from a dropped one's by its attempt tag.
      nextSequence: kept.length,
      rows: kept.reduce((sum, part) => sum + part.rows, 0),
      parts: kept,
      done: false,
      updatedAt: new Date().toISOString(),
    };
    await args.store.delete(rangeDoneKey(args.folder, rangeIndex));
    await args.checkpoints.save(args.exportId, rangeIndex, rewound);
  }
  return ranges;
}
