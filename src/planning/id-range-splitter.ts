import { bisectBalanced } from './balanced-bisection.js';
import type { IdRange } from './export-range.js';

/** Counts the rows whose id lies in (afterId, upToId]. */
export type IdRangeCounter = (afterId: number, upToId: number) => Promise<number>;

export interface IdRangeSplitOptions {
  /** Smallest and largest id present. */
  minId: number;
  maxId: number;
  /** Rows in [minId, maxId]. */
  totalRows: number;
  /** Wanted rows per range; ranges end up between about half and 1.5 times this. */
  targetRows: number;
  count: IdRangeCounter;
  /** Stops bisecting after this many count probes (each costs one API request). */
  maxProbes?: number;
  /** Equal-width ranges instead, with no count probe (see `BisectionOptions.evenPieces`). */
  evenPieces?: number;
}

/**
 * Splits [minId, maxId] into ranges of balanced row counts (see `bisectBalanced`). A cut at `c`
 * separates ids ≤ c from ids > c, so a range is (afterId, upToId].
 */
export async function splitIdRange(options: IdRangeSplitOptions): Promise<IdRange[]> {
  const spans = await bisectBalanced({
    start: options.minId - 1,
    end: options.maxId,
    totalRows: options.totalRows,
    targetRows: options.targetRows,
    count: options.count,
    maxProbes: options.maxProbes,
    evenPieces: options.evenPieces,
  });
  return spans.map((span, index) => ({
    kind: 'id',
    index,
    afterId: index === 0 ? null : span.start,
    upToId: index === spans.length - 1 ? null : span.end,
    estimatedRows: span.rows,
  }));
}

/** Rows per range for an export of `totalRows`: enough ranges to spread over a fleet, none too small or too large. */
export function defaultTargetRows(totalRows: number): number {
  return Math.min(100_000, Math.max(5_000, Math.ceil(totalRows / 32)));
}
