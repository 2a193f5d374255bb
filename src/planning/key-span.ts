import { formatIsoMicros, parseIsoMicros } from '../time/iso-instant.js';
import type { ExportRange } from './export-range.js';

/**
 * A range's keys as integers, so that one comparison serves id ranges and time windows alike: a row with
 * key `k` belongs to the range when `start <= k < end` (null: unbounded). Ids are the ids; times are
 * microseconds since the epoch. An id range (afterId, upToId] is [afterId + 1, upToId + 1); a window
 * [from, before) is itself.
 */
export interface KeySpan {
  start: number | null;
  end: number | null;
}

export function keySpanOf(range: ExportRange): KeySpan {
  if (range.kind === 'id') {
    return { start: range.afterId === null ? null : range.afterId + 1, end: range.upToId === null ? null : range.upToId + 1 };
  }
  return { start: range.from === null ? null : micros(range.from), end: range.before === null ? null : micros(range.before) };
}

/** The integer key of a row's key as pages give it (an id, or a timestamp as sent); null when it is neither. */
export function keyNumber(range: ExportRange, key: string | number | null): number | null {
  if (key === null) return null;
  if (range.kind === 'id') return typeof key === 'number' && Number.isSafeInteger(key) ? key : null;
  return typeof key === 'string' ? parseIsoMicros(key) : null;
}

/** The range with its end moved to `end` (keys from `end` on belong to another range now). */
export function endedAt(range: ExportRange, end: number | null): ExportRange {
  if (range.kind === 'id') return { ...range, upToId: end === null ? null : end - 1 };
  return { ...range, before: end === null ? null : formatIsoMicros(end) };
}

/** `range` narrowed in place to end at `end`: the ranges a source is reading see it on their next request. */
export function narrowTo(range: ExportRange, end: number | null): void {
  if (range.kind === 'id') range.upToId = end === null ? null : end - 1;
  else range.before = end === null ? null : formatIsoMicros(end);
}

/** A new range of the same kind (and field) as `range` over [start, end), numbered `index`. */
export function rangeOver(range: ExportRange, span: { start: number; end: number | null }, index: number, estimatedRows: number): ExportRange {
  if (range.kind === 'id') {
    return { kind: 'id', index, afterId: span.start - 1, upToId: span.end === null ? null : span.end - 1, estimatedRows };
  }
  return {
    kind: 'time',
    index,
    from: formatIsoMicros(span.start),
    before: span.end === null ? null : formatIsoMicros(span.end),
    estimatedRows,
    ...(range.field ? { field: range.field } : {}),
  };
}

function micros(text: string): number {
  const value = parseIsoMicros(text);
  if (value === null) throw new RangeError(`not an ISO 8601 instant: ${text}`);
  return value;
}
