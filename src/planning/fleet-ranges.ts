/**
 * Every range ends with a page its rows do not fill, so each range costs up to one request beyond the
 * pages its rows need (half of one on average): an export's ranges, planned and split off running ones,
 * number at most one per this many pages, which holds that cost to about 1% of its requests.
 */
export const PAGES_PER_RANGE = 40;

/** A running range is split only when both halves keep this many pages: the split must save more time than the request it costs. */
export const MIN_PAGES_PER_SPLIT = 10;

/** Slots assumed when no worker has said how many it has (none is running yet). */
export const DEFAULT_FLEET_SLOTS = 4;

/** The most ranges an export of `totalRows` may have, planned and split off (at least one). */
export function maxRangesFor(totalRows: number, pageSize: number): number {
  return Math.max(1, Math.floor(totalRows / (PAGES_PER_RANGE * Math.max(1, pageSize))));
}

/**
 * How many ranges to plan: as many as the fleet can work on at once (`slots`, the workers' concurrency
 * added up), within `maxRangesFor`. Ranges that finish early leave their slots to work stealing, which
 * splits the ranges with the most to go.
 */
export function rangesForFleet(totalRows: number, pageSize: number, slots: number): number {
  return Math.min(Math.max(1, slots), maxRangesFor(totalRows, pageSize));
}
