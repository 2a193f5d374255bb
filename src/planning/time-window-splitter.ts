import { bisectBalanced } from './balanced-bisection.js';
import type { TimeWindow } from './export-range.js';

/**
 * Balanced `date_created` windows, the time analogue of `id-range-splitter.ts`.
 *
 * Times are microseconds since the Unix epoch (Close timestamps carry microseconds; a double holds
 * them exactly until the year 2255). A window is [from, before): from inclusive, before exclusive.
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
  });
  return spans.map((span, index) => ({
    kind: 'time',
    index,
    from: index === 0 ? null : formatIsoMicros(span.start),
    before: index === spans.length - 1 ? null : formatIsoMicros(span.end),
    estimatedRows: span.rows,
  }));
}

const MICROS_PER_MS = 1000;
const MICROS_PER_DAY = 86_400_000_000;

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * An ISO 8601 date or date-time as microseconds since the epoch: `2013-02-20T05:44:35.625000+00:00`,
 * `...Z`, other offsets (`+02:00`, `-0500`), no zone (UTC), 0 to 9 fractional digits (beyond six they
 * are truncated). Null when malformed or not a calendar date. Compare instants with this, never
 * the strings: the same instant can be written with different offsets and fraction lengths.
 */
export function parseIsoMicros(text: string): number | null {
  const match = ISO_DATE_TIME.exec(text.trim());
  if (!match) return null;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone] = match;
  const dayMs = Date.UTC(Number(year), Number(month) - 1, Number(day));
  const date = new Date(dayMs);
  if (date.getUTCFullYear() !== Number(year) || date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return null;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return null;
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 23 || minutes > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  const wholeMs = dayMs + ((Number(hour) * 60 + Number(minute) - offsetMinutes) * 60 + Number(second)) * 1000;
  return wholeMs * MICROS_PER_MS + Number(fraction.slice(0, 6).padEnd(6, '0'));
}

/** Microseconds since the epoch in Close's own format: `2013-02-20T05:44:35.625000+00:00`. */
export function formatIsoMicros(micros: number): string {
  if (!Number.isSafeInteger(micros)) throw new RangeError(`not a whole number of microseconds: ${micros}`);
  const days = Math.floor(micros / MICROS_PER_DAY);
  const inDay = micros - days * MICROS_PER_DAY;
  const fraction = inDay % 1_000_000;
  const wholeMs = days * 86_400_000 + (inDay - fraction) / MICROS_PER_MS;
  const iso = new Date(wholeMs).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z (whole seconds here)
  return `${iso.slice(0, 19)}.${String(fraction).padStart(6, '0')}+00:00`;
}
