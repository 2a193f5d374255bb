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
  /**
   * Parquet parts whose rows had keys the record schema does not name (schema drift), at any depth: their
   * paths (`birthDate`, `address.startMonth`, `contactIndividuals[].gender`), sorted (at most 100). Their
   * values are in the part's `_extra` column. Absent when there were none.
   */
  unknownFields?: string[];
  /**
   * Parquet parts with values a named field's column could not hold by its type (an id that is no
   * number): those fields' paths, sorted (at most 100). The values are in `_extra`. Absent when there were none.
   */
  refusedValues?: string[];
}

/** `<prefix>/<table>/export_id=<exportId>/_manifest.json`: the only list of parts that belong to the export. */
export interface ExportManifest {
  exportId: string;
  source: string;
  /** The table the export belongs to (`virtuous/contacts`); null for an export started before tables. */
  table: string | null;
  /** S3 key of the export's folder, where the parts are. */
  folder: string;
  format: PartFormat;
  compression: 'zstd' | 'gzip' | 'none';
  schema: string;
  /** The columns of the parts, in order, with their types as DuckDB names them. */
  columns: ManifestColumn[];
  /** How the columns differ from the table's previous committed export (see `SchemaChanges`). */
  schemaChanges: SchemaChanges;
  rows: number;
  parts: CommittedPart[];
  ranges: number;
  startedAt: string;
  endedAt: string;
  /** `--since` and `--incremental` exports: the window read and the high-water mark reached. */
  incremental?: IncrementalWindow;
}

/** A column of the parts, as a warehouse sees it. */
export interface ManifestColumn {
  name: string;
  type: string;
}

/**
 * How an export's columns differ from those of the table's previous committed export, and the fields
 * the API sent that no column holds. A warehouse loading into one table alters it by `added` and
 * `retyped` first; `removed` columns read as null in this export's rows.
 */
export interface SchemaChanges {
  /** The export compared with; null when there is none (the table's first export, or one that listed no columns). */
  previousExportId: string | null;
  added: ManifestColumn[];
  removed: ManifestColumn[];
  retyped: { name: string; from: string; to: string }[];
  /** Fields some record had that the schema does not know, at any depth, as paths, sorted; Parquet parts keep them in `_extra`. */
  unknownFields: string[];
  /** Named fields some value of which the column's type could not hold, as paths, sorted; Parquet parts keep those values in `_extra`. */
  refusedValues: string[];
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
