/**
 * What a source API said about one range while it was read: the commit compares it with the rows
 * written and with what planning counted (src/queue/row-count-check.ts), so that an API whose lists and
 * counts disagree cannot end in a committed export.
 */
export interface ApiRowCount {
  /** Rows the API returned for the range, before any cut the exporter makes (an export of changes keeps only some). */
  read: number;
  /**
   * The most rows the API's own `total`s said the range holds: for each page, the rows read before it plus
   * the page's `total` (the matches from the page's cursor on), the largest of these. Null when the API
   * reports no counts while reading (cursor walks).
   */
  reported: number | null;
}

export const NOTHING_READ: ApiRowCount = { read: 0, reported: null };

/** The count of a range read on from a checkpoint: `before` (the checkpoint's), then `since` (counted from the checkpoint's cursor). */
export function continuedCount(before: ApiRowCount, since: ApiRowCount): ApiRowCount {
  const reportedSince = since.reported === null ? null : before.read + since.reported;
  const reported = before.reported === null ? reportedSince : reportedSince === null ? before.reported : Math.max(before.reported, reportedSince);
  return { read: before.read + since.read, reported };
}

/** `count` after one more page of `rows` whose answer said `total` matches from its cursor on. */
export function countedPage(count: ApiRowCount, rows: number, total: number | null): ApiRowCount {
  const claimed = total === null ? null : count.read + total;
  const reported = claimed === null ? count.reported : Math.max(count.reported ?? 0, claimed);
  return { read: count.read + rows, reported };
}
