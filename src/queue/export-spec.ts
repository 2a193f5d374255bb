import type { S3Location } from '../sinks/s3/s3-location.js';
import type { PartFormat } from '../sinks/part-format.js';
import type { CloseSourceSettings } from '../sources/close/close-source.js';
import type { TimestampPosition } from '../sources/timestamp-keyset.js';
import type { VirtuousSourceSettings } from '../sources/virtuous/virtuous-source.js';

/** Which source an export reads and how. Holds no secret: workers take credentials from their own environment. */
export interface VirtuousSourceSpec {
  kind: 'virtuous';
  baseUrl: string;
  /** Environment variable holding the token on the workers. */
  credentialVariable: string;
  /** Short hash of the token the export was planned with, so a worker with another token refuses to run it. */
  credentialFingerprint: string;
  settings: VirtuousSourceSettings;
}

/** Close contacts (`POST /data/search/`), read in `date_created` windows. */
export interface CloseSourceSpec {
  kind: 'close';
  baseUrl: string;
  /** Environment variable holding the API key on the workers (`CLOSE_API_KEY`). */
  credentialVariable: string;
  /** Short hash of the API key the export was planned with. */
  credentialFingerprint: string;
  /** Fields, custom field keys (resolved when planning, so every worker builds the same schema), query, page size. */
  settings: CloseSourceSettings;
}

export type SourceSpec = VirtuousSourceSpec | CloseSourceSpec;

export interface RateLimitSpec {
  requests: number;
  windowMs: number;
}

/**
 * How the commit of an incremental export finds where the next run continues.
 *
 * - `walk-position` (Close): ranges are consecutive modification-time windows read oldest first, so the
 *   last range that wrote anything ends at the newest change written and its final checkpoint cursor
 *   (the instant under `cursorKey`, and `idsAtLast`) is the position after it.
 * - `read-clock` (Virtuous): ranges are id ranges, read in any order, so a contact modified while the
 *   export runs may be read in its new version or, if its page came earlier, not at all. The next run
 *   must start no later than the source's clock when this export began to read. Each part records the
 *   newest modification among its rows and a Redis time by which all of them were read
 *   (`CommittedPart.newestChange`, `readBy`); a row modified at `m` and read by `t` proves the source's
 *   clock stood at least at `m - (t - readStartedAt)` when reading began (Redis time measures the
 *   elapsed time for every worker alike, whatever the machines' own clocks say). The watermark is the
 *   largest such instant less `overlapMs` (for modifications that become visible after they are
 *   stamped, and clock drift), and never goes back.
 */
export type WatermarkRule =
  | { kind: 'walk-position'; cursorKey: string }
  | { kind: 'read-clock'; readStartedAt: number | null; overlapMs: number };

/**
 * An export of the contacts modified from a point on: `--since` (from an instant) or `--incremental`
 * (from the stored watermark).
 */
export interface ChangeWindowSpec {
  mode: 'since' | 'incremental';
  /** The record's modification timestamp: `modifiedDateTimeUtc` (Virtuous) or `date_updated` (Close). */
  field: string;
  /** Where the next incremental run continues; see `WatermarkRule`. */
  watermarkRule: WatermarkRule;
  /** Where the export starts (inclusive instant, minus the ids listed); null = every contact (a full load). */
  since: TimestampPosition | null;
  /** `walk-position` only: exclusive upper bound, fixed when planning from the newest modification then; null = none. */
  until: string | null;
  /** Incremental: the watermark the commit advances (S3 key in the destination bucket, and its name). */
  watermark: { key: string; name: string; filter: string | null } | null;
  /** Incremental: the export whose watermark this one continues from, and its highest modification. */
  previousExportId: string | null;
  previousModifiedAt: string | null;
  /** Incremental without a watermark (and without --since): every contact. */
  fullLoad: boolean;
}

/** Everything a worker needs to run any range of an export. Stored in job data: never a credential. */
export interface ExportSpec {
  exportId: string;
  source: SourceSpec;
  destination: S3Location;
  format: PartFormat;
  /** Name of the record schema the parts follow, e.g. `virtuous.contact`. */
  schemaName: string;
  gzip: boolean;
  /** Rows per part file (rounded up to whole pages). */
  partRows: number;
  rateLimit: RateLimitSpec | null;
  rangeCount: number;
  plannedRows: number;
  createdAt: string;
  /** Set for `--since` and `--incremental` exports. */
  changes?: ChangeWindowSpec;
}
