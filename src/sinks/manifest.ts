import type { TimestampPosition } from '../planning/timestamp-position.js';
import type { PartFormat } from './part-format.js';

/** A part that S3 confirmed and a checkpoint recorded. */
export interface CommittedPart {
  key: string;
  rows: number;
  bytes: number;
  /** The key of the part's first and last row (ids, or timestamps for timestamp walks), as the source's pages give them. */
  firstKey: string | number | null;
  lastKey: string | number | null;
  rangeIndex: number;
  sequence: number;
  /** Exports of changes read by id (the `read-clock` rule): the newest modification among the part's rows, as the API sent it. */
  newestChange?: string;
  /** With `newestChange`: Redis time (microseconds) by which every row of the part was read. */
  readBy?: number;
}

/** `<prefix>/<exportId>/_manifest.json`: the only list of parts that belong to the export. */
export interface ExportManifest {
  exportId: string;
  source: string;
  format: PartFormat;
  compression: 'zstd' | 'gzip' | 'none';
  schema: string;
  rows: number;
  parts: CommittedPart[];
  ranges: number;
  startedAt: string;
  endedAt: string;
  /** `--since` and `--incremental` exports: the window read and the high-water mark reached. */
  incremental?: IncrementalWindow;
}

/** The modification window of a `--since` or `--incremental` export, as committed. */
export interface IncrementalWindow {
  mode: 'since' | 'incremental';
  /** The modification timestamp walked (`modifiedDateTimeUtc`, `date_updated`). */
  field: string;
  /** Inclusive lower bound; null = from the oldest modification (a full load). */
  since: string | null;
  /** Ids at exactly `since` left out because an earlier export wrote them. */
  sinceIds: string[];
  /** Exclusive upper bound fixed at planning: later changes are left for the next run. */
  until: string | null;
  /** Incremental without a watermark: every contact. */
  fullLoad: boolean;
  /** The export whose watermark this one continued from. */
  previousExportId: string | null;
  /** The high-water mark reached: the highest modification written (as the API sent it) and where the next run continues. */
  watermark: { modifiedAt: string | null; position: TimestampPosition | null };
  /** S3 key of the watermark object this export advanced (incremental only). */
  watermarkKey: string | null;
}

export const MANIFEST_NAME = '_manifest.json';
export const SUCCESS_MARKER = '_SUCCESS';
