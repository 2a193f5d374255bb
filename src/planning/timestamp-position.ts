/**
 * A position in the order of a timestamp that many records may share: "every record before `at` has
 * been read, and of those exactly at `at`, the ones listed". Checkpoints of timestamp walks, watermarks
 * and the start of exports of changes are positions.
 */
export interface TimestampPosition {
  /** A microsecond ISO 8601 instant (`2013-02-20T05:44:35.625000+00:00`). */
  at: string;
  /** Ids of the records at exactly `at` already read (as strings). */
  idsAtLast: string[];
  /**
   * Watermarks of exports read by id: records modified at or after `at` that were already written in
   * exactly this version; the next run leaves them out unless they were modified again.
   */
  written?: WrittenVersion[];
}

/** A record as written: its id and its modification timestamp as the API sent it. */
export interface WrittenVersion {
  id: string;
  modified: string;
}
