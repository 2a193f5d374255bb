/**
 * The smallest `--range-rows`: a range smaller than a page or two costs planning probes and requests
 * out of proportion to what it reads (each range ends with a partial page).
 */
export const MIN_RANGE_ROWS = 100;

/**
 * One unit of parallel work: a slice of an immutable key: numeric ids where a source has them, a
 * creation timestamp where its ids are opaque.
 * Bounds are `null` when open: the first range has no lower bound and the last no upper bound,
 * so contacts inserted while the export runs are still read.
 */
export interface IdRange {
  kind: 'id';
  index: number;
  /** Exclusive lower bound. */
  afterId: number | null;
  /** Inclusive upper bound. */
  upToId: number | null;
  /** Rows the planner counted in the range (for progress), not a promise. */
  estimatedRows: number;
}

export interface TimeWindow {
  kind: 'time';
  index: number;
  /** Inclusive lower bound (ISO 8601, UTC). */
  from: string | null;
  /** Exclusive upper bound (ISO 8601, UTC). */
  before: string | null;
  estimatedRows: number;
  /**
   * The timestamp the window slices: the source's creation timestamp when absent (full exports); its
   * modification timestamp for exports of changes walked in modification order.
   */
  field?: string;
  /** Ids at exactly `from` that an earlier export already wrote (the watermark's ids): skipped. */
  afterIds?: string[];
}

export type ExportRange = IdRange | TimeWindow;

export function describeRange(range: ExportRange): string {
  if (range.kind === 'id') return `ids (${range.afterId ?? '-∞'}, ${range.upToId ?? '+∞'}]`;
  const skipped = range.afterIds && range.afterIds.length > 0 ? ` (without ${range.afterIds.length} id(s) at the start)` : '';
  return `${range.field ?? 'date_created'} [${range.from ?? '-∞'}, ${range.before ?? '+∞'})${skipped}`;
}
