import type { TimestampPosition } from './timestamp-position.js';
import type { TimeWindow } from './export-range.js';
import { defaultTargetRows } from './id-range-splitter.js';
import { splitTimeWindows, type TimeWindowCounter } from './time-window-splitter.js';
import { formatIsoMicros } from '../time/iso-instant.js';

export interface ChangeWindowPlanArgs {
  /** The modification timestamp the windows slice. */
  field: string;
  /** Where the export starts: inclusive instant, minus the ids already written there; null = everything. */
  since: TimestampPosition | null;
  /** Oldest and newest modification among the matches (microseconds); null when there is none. */
  oldestMicros: number | null;
  newestMicros: number | null;
  /** Matches from `since` on. */
  totalRows: number;
  targetRows?: number;
  /** Counts the matches modified in [from, before). */
  count: TimeWindowCounter;
}

/**
 * Balanced windows over the modification-time span of an incremental (or `--since`) export, and its
 * fixed upper bound.
 *
 * The upper bound (`until`, exclusive) is one microsecond after the newest modification present when
 * planning, taken from the data rather than from this machine's clock: a contact modified while the
 * export runs gets a server timestamp at or after it, so it is not read at its new position in this run
 * (no run reads a contact twice) and the next run, which starts at this run's high-water mark, finds
 * it. The first window starts at `since` (skipping the ids listed there), the last ends at `until`.
 */
export async function planChangeWindows(args: ChangeWindowPlanArgs): Promise<{ ranges: TimeWindow[]; until: string | null }> {
  const afterIds = args.since && args.since.idsAtLast.length > 0 ? { afterIds: [...args.since.idsAtLast] } : {};
  if (args.totalRows === 0 || args.oldestMicros === null || args.newestMicros === null) {
    const until = args.since?.at ?? null;
    return {
      until,
      ranges: [{ kind: 'time', index: 0, field: args.field, from: args.since?.at ?? null, before: until, estimatedRows: 0, ...afterIds }],
    };
  }
  const until = formatIsoMicros(args.newestMicros + 1);
  const windows = await splitTimeWindows({
    minMicros: args.oldestMicros,
    maxMicros: args.newestMicros,
    totalRows: args.totalRows,
    targetRows: args.targetRows ?? defaultTargetRows(args.totalRows),
    count: args.count,
  });
  const ranges = windows.map((window, index): TimeWindow => ({
    ...window,
    field: args.field,
    from: index === 0 ? (args.since?.at ?? null) : window.from,
    before: index === windows.length - 1 ? until : window.before,
    ...(index === 0 ? afterIds : {}),
  }));
  return { ranges, until };
}
