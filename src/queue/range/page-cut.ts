import type { ExportRange } from '../../planning/export-range.js';
import { keyNumber } from '../../planning/key-span.js';
import type { ExportSource, SourcePage } from '../../sources/export-source.js';

/**
 * The first `room` rows of a page (a trial export's rows left, or those before a split's point), in key
 * order: the page itself when all fit. Its cursor stays the page's: the range ends here, nothing is read
 * after it.
 */
export function firstRows(page: SourcePage, room: number, source: Pick<ExportSource, 'keyOf'>): SourcePage {
  if (page.rows.length <= room) return page;
  const rows = page.rows.slice(0, Math.max(0, room));
  return {
    ...page,
    rows,
    ...(page.rawRows ? { rawRows: page.rawRows.slice(0, rows.length) } : {}),
    ...(page.changes ? { changes: page.changes.slice(0, rows.length) } : {}),
    firstKey: rows.length > 0 ? page.firstKey : null,
    lastKey: rows.length > 0 ? source.keyOf(rows.at(-1)!) : null,
  };
}

/** How many of a page's rows (in key order) lie before `end`. */
export function rowsBefore(page: SourcePage, end: number, range: ExportRange, source: Pick<ExportSource, 'keyOf'>): number {
  const index = page.rows.findIndex((row) => {
    const key = keyNumber(range, source.keyOf(row));
    return key === null || key >= end;
  });
  return index === -1 ? page.rows.length : index;
}
