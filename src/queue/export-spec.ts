import type { S3Location } from '../sinks/s3/s3-location.js';
import type { PartFormat } from '../sinks/part-format.js';
import type { TimestampPosition } from '../planning/timestamp-position.js';
import type { RateLimitSpec } from '../ratelimit/rate-limit-spec.js';
import type { SourceSpec } from '../sources/source-spec.js';
import type { WatermarkRule } from '../sources/watermark-rule.js';

export type { RateLimitSpec, SourceSpec, WatermarkRule };

/**
 * An export of the contacts modified from a point on: `--since` (from an instant) or `--incremental`
 * (from the stored watermark).
 */
export interface ChangeWindowSpec {
  mode: 'since' | 'incremental';
  /** The record's modification timestamp (the source's `changeField`). */
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
  /**
   * The table the rows belong to (`virtuous/contacts`), and the S3 key of the export's folder,
   * `<prefix>/<table>/export_id=<exportId>` (see export-layout.ts). Both are absent from specs written
   * before tables, whose folder is `<prefix>/<exportId>` (`folderOf`).
   */
  table?: string;
  folder?: string;
  format: PartFormat;
  /** Name of the record schema the parts follow, `<source>.<record>`. */
  schemaName: string;
  gzip: boolean;
  /** Rows per part file (rounded up to whole pages). */
  partRows: number;
  /** Records per request as planned (absent from specs of earlier versions). */
  pageSize?: number;
  rateLimit: RateLimitSpec | null;
  rangeCount: number;
  plannedRows: number;
  createdAt: string;
  /** Set for `--since` and `--incremental` exports. */
  changes?: ChangeWindowSpec;
  /** `--limit`: a trial export of at most this many records, the first in key order (one range). */
  limit?: number;
  /**
   * `--notify`: where the commit or the failure is POSTed (docs/notifications.md). Not a credential (a user
   * name or password is refused), but logs and `status` show it through `displayNotifyUrl` only.
   */
  notifyUrl?: string;
}
