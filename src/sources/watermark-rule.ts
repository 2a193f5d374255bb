/**
 * How the commit of an incremental export finds where the next run continues.
 *
 * - `walk-position` (sources that page by modification time): ranges are consecutive modification-time
 *   windows read oldest first, so the last range that wrote anything ends at the newest change written,
 *   and its final checkpoint cursor (the instant under `cursorKey`, and `idsAtLast`) is the position
 *   after it.
 * - `read-clock` (sources that read changes by id, with a date pre-filter): ranges are id ranges, read in
 *   any order, so a record modified while the export runs may be read in its new version or, if its page
 *   came earlier, not at all. The next run must start no later than the source's clock when this export
 *   began to read. Each part records the newest modification among its rows and a Redis time by which
 *   all of them were read (`CommittedPart.newestChange`, `readBy`); a row modified at `m` and read by `t`
 *   proves the source's clock stood at least at `m - (t - readStartedAt)` when reading began (Redis time
 *   measures the elapsed time for every worker alike, whatever the machines' own clocks say). The
 *   watermark is the largest such instant less `overlapMs` (for modifications that become visible after
 *   they are stamped, and clock drift), and never goes back.
 */
export type WatermarkRule = { kind: 'walk-position'; cursorKey: string } | { kind: 'read-clock'; readStartedAt: number | null; overlapMs: number };
