import type { ExportRange } from './export-range.js';

/**
 * Requests the ranges of a plan should take at `pageSize` records a request: each range's full pages and
 * its last, shorter one; a range whose rows fill its last page exactly needs one empty page more to end
 * on evidence, and an empty range one request. An estimate: the ranges' row counts are estimates too.
 */
export function estimatedPageRequests(ranges: readonly ExportRange[], pageSize: number): number {
  return ranges.reduce((sum, range) => sum + Math.floor(range.estimatedRows / pageSize) + 1, 0);
}
