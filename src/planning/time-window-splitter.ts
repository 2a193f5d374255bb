import { formatIsoMicros } from '../time/iso-instant.js';
import { bisectBalanced } from './balanced-bisection.js';
import type { TimeWindow } from './export-range.js';

/**
 * Balanced windows of a timestamp, the time analogue of `id-range-splitter.ts`.
 *
 * Times are microseconds since the Unix epoch (see src/time/iso-instant.ts). A window is [from, before):
 * from inclusive, before exclusive.
 */

/** Counts the rows created in [fromMicros, beforeMicros). */
export type TimeWindowCounter = (fromMicros: number, beforeMicros: number) => Promise<number>;

export interface TimeWindowSplitOptions {
  /** Earliest and latest timestamp present (microseconds). */
  minMicros: number;
  maxMicros: number;
  /** Rows in [minMicros, maxMicros]. */
  totalRows: number;
  /** Wanted rows per window; windows end up between about half and 1.5 times this. */
  targetRows: number;
  count: TimeWindowCounter;
  /** Stops bisecting after this many count probes (each costs one API request). */
  maxProbes?: number;
  /** Equal-width windows instead, with no count probe (see `BisectionOptions.evenPieces`). */
  evenPieces?: number;
}

/**
 * Splits [minMicros, maxMicros] into windows of balanced row counts (see `bisectBalanced`). A window
 * one microsecond wide cannot be split, so any number of rows sharing one timestamp stay together in
 * one window. The first window is open below and the last open above, so rows created while the
 * export runs are still read.
 */
export async function splitTimeWindows(options: TimeWindowSplitOptions): Promise<TimeWindow[]> {
  const { minMicros, maxMicros } = options;
  if (!Number.isSafeInteger(minMicros) || !Number.isSafeInteger(maxMicros) || maxMicros < minMicros) {
    throw new RangeError(`splitTimeWindows needs integer microseconds with min <= max, got ${minMicros}..${maxMicros}`);
  }
  const spans = await bisectBalanced({
    start: minMicros,
    end: maxMicros + 1,
    totalRows: options.totalRows,
    targetRows: options.targetRows,
    count: options.count,
    maxProbes: options.maxProbes,
    evenPieces: options.evenPieces,
  });
  return spans.map((span, index) => ({
    kind: 'time',
    index,
    from: index === 0 ? null : formatIsoMicros(span.start),
    before: index === spans.length - 1 ? null : formatIsoMicros(span.end),
    estimatedRows: span.rows,
  }));
}
