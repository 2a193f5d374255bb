import type { SourceCursor } from '../export-source.js';
import { GroupedRows as TimestampGroupedRows, MAX_IDS_IN_CURSOR, type KeyedRow, type KeysetOptions } from '../timestamp-keyset.js';

export { MAX_IDS_IN_CURSOR, type KeyedRow };

/**
 * Where a Close window's reading stands, as stored in a checkpoint: every contact of the window
 * created before `lastCreated` has been written, and of those created exactly at `lastCreated`, the
 * ones listed in `idsAtLast`. A restart asks for `date_created on_or_after lastCreated` and drops the
 * rows that are listed (and any created earlier). Incremental exports walk `date_updated` the same
 * way, with the instant under `lastUpdated`.
 *
 * Pages are only ever released at the end of a whole group of equal timestamps, so `idsAtLast` is the
 * complete group. When that group is large (e.g. 2,000 contacts imported in one transaction), the
 * cursor says the same thing compactly: the instant one microsecond later and no ids. The cursor is
 * copied into every part's S3 metadata (2 KB in all on AWS) and into the checkpoint, so it must stay small.
 */
export interface CloseCursor extends SourceCursor {
  /** A microsecond ISO 8601 instant in Close's format, `2013-02-20T05:44:35.625000+00:00`. */
  lastCreated: string;
  idsAtLast: string[];
}

/** The timestamp fields a Close window can walk. */
export type CloseTimestampField = 'date_created' | 'date_updated';

/** The keyset of a Close walk on `field`: where its cursor keeps the instant. */
export function closeKeyset(field: CloseTimestampField = 'date_created'): KeysetOptions {
  return { positionKey: field === 'date_updated' ? 'lastUpdated' : 'lastCreated', sourceName: 'Close' };
}

/** `GroupedRows` of a Close window (on `date_created` unless told otherwise); see `timestamp-keyset.ts`. */
export class GroupedRows extends TimestampGroupedRows {
  constructor(start: SourceCursor | null, field: CloseTimestampField = 'date_created') {
    super(start, closeKeyset(field));
  }
}
