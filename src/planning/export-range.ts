/**
 * One unit of parallel work: a slice of an immutable key. Virtuous slices numeric contact ids;
 * Close slices `date_created` because its ids are opaque.
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
}

export type ExportRange = IdRange | TimeWindow;

export function describeRange(range: ExportRange): string {
  if (range.kind === 'id') return `ids (${range.afterId ?? '-∞'}, ${range.upToId ?? '+∞'}]`;
  return `date_created [${range.from ?? '-∞'}, ${range.before ?? '+∞'})`;
}
