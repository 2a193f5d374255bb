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
}

interface Piece {
  afterId: number;
  upToId: number;
  rows: number;
}

/**
 * Splits [minId, maxId] into ranges of balanced row counts: bisect any piece holding more than
 * 1.5 × target (counting each half with one probe), then merge neighbours while they fit in the target.
 * Ids have gaps and clusters, so equal-width slices alone would be badly unbalanced.
 */
export async function splitIdRange(options: IdRangeSplitOptions): Promise<IdRange[]> {
  const { minId, maxId, totalRows, count } = options;
  const targetRows = Math.max(1, options.targetRows);
  let probesLeft = options.maxProbes ?? 400;
  const finished: Piece[] = [];
  const pending: Piece[] = [{ afterId: minId - 1, upToId: maxId, rows: totalRows }];
  while (pending.length > 0) {
    const piece = pending.shift()!;
    const width = piece.upToId - piece.afterId;
    if (piece.rows <= targetRows * 1.5 || width < 2 || probesLeft <= 0) {
      finished.push(piece);
      continue;
    }
    const middle = piece.afterId + Math.floor(width / 2);
    const leftRows = await count(piece.afterId, middle);
    probesLeft -= 1;
    pending.push(
      { afterId: piece.afterId, upToId: middle, rows: leftRows },
      { afterId: middle, upToId: piece.upToId, rows: Math.max(0, piece.rows - leftRows) },
    );
  }
  finished.sort((a, b) => a.afterId - b.afterId);
  const merged = mergeSmallNeighbours(finished, targetRows);
  return merged.map((piece, index) => ({
    kind: 'id',
    index,
    afterId: index === 0 ? null : piece.afterId,
    upToId: index === merged.length - 1 ? null : piece.upToId,
    estimatedRows: piece.rows,
  }));
}

function mergeSmallNeighbours(pieces: Piece[], targetRows: number): Piece[] {
  const merged: Piece[] = [];
  for (const piece of pieces) {
    const last = merged.at(-1);
    if (last && last.rows + piece.rows <= targetRows) {
      last.upToId = piece.upToId;
      last.rows += piece.rows;
    } else {
      merged.push({ ...piece });
    }
  }
  return merged;
}

/** Rows per range for an export of `totalRows`: enough ranges to spread over a fleet, none too small or too large. */
export function defaultTargetRows(totalRows: number): number {
  return Math.min(100_000, Math.max(5_000, Math.ceil(totalRows / 32)));
}
