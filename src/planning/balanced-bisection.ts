/** A stretch of an integer key between two cut points, with how many rows it holds. */
export interface Span {
  start: number;
  end: number;
  rows: number;
}

export interface BisectionOptions {
  /** The whole stretch to split and its row count. */
  start: number;
  end: number;
  totalRows: number;
  /** Wanted rows per span; spans end up between about half and 1.5 times this. */
  targetRows: number;
  /** Counts the rows between two cut points (one API request each). */
  count: (start: number, end: number) => Promise<number>;
  /** Stops bisecting after this many probes. */
  maxProbes?: number;
  /**
   * Cut into this many spans of equal width instead, with no probe, each estimated at an equal share of the
   * rows: for exports whose ranges are rebalanced while they run (work stealing), where a probe costs more
   * than the imbalance it would save.
   */
  evenPieces?: number;
}

/**
 * Splits [start, end] into spans of balanced row counts: bisect any span holding more than
 * 1.5 × target (counting its first half with one probe), then merge neighbours while they fit in the
 * target. Keys have gaps and clusters, so equal-width slices alone would be badly unbalanced.
 * A span one unit wide cannot be split: any number of rows sharing one key stay together.
 * Used for numeric ids and timestamps (microseconds) alike; the callers say what a cut means.
 */
export async function bisectBalanced(options: BisectionOptions): Promise<Span[]> {
  if (options.evenPieces !== undefined) return evenSpans(options.start, options.end, options.totalRows, options.evenPieces);
  const targetRows = Math.max(1, options.targetRows);
  let probesLeft = options.maxProbes ?? 400;
  const finished: Span[] = [];
  const pending: Span[] = [{ start: options.start, end: options.end, rows: options.totalRows }];
  while (pending.length > 0) {
    const span = pending.shift()!;
    const width = span.end - span.start;
    if (span.rows <= targetRows * 1.5 || width < 2 || probesLeft <= 0) {
      finished.push(span);
      continue;
    }
    const middle = span.start + Math.floor(width / 2);
    const firstHalfRows = await options.count(span.start, middle);
    probesLeft -= 1;
    pending.push(
      { start: span.start, end: middle, rows: firstHalfRows },
      { start: middle, end: span.end, rows: Math.max(0, span.rows - firstHalfRows) },
    );
  }
  finished.sort((a, b) => a.start - b.start);
  return mergeSmallNeighbours(finished, targetRows);
}

/** [start, end] cut into `pieces` spans of (nearly) equal width; fewer when the stretch is narrower than that. */
function evenSpans(start: number, end: number, totalRows: number, pieces: number): Span[] {
  const count = Math.max(1, Math.min(Math.floor(pieces), end - start));
  const spans: Span[] = [];
  for (let index = 0; index < count; index++) {
    spans.push({
      start: start + Math.floor(((end - start) * index) / count),
      end: index === count - 1 ? end : start + Math.floor(((end - start) * (index + 1)) / count),
      rows: Math.floor((totalRows * (index + 1)) / count) - Math.floor((totalRows * index) / count),
    });
  }
  return spans;
}

function mergeSmallNeighbours(spans: Span[], targetRows: number): Span[] {
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && last.rows + span.rows <= targetRows) {
      last.end = span.end;
      last.rows += span.rows;
    } else {
      merged.push({ ...span });
    }
  }
  return merged;
}
