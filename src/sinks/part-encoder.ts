import type { RecordRow } from './record-schema.js';

/** What every row of a page shares: Parquet parts store it in the lineage columns (see parquet-columns.ts). */
export interface PageContext {
  /** The export the page is read for (`_export_id`). */
  exportId: string;
  /** When the page was received from the source, in microseconds since the epoch (`_extracted_at`). */
  extractedAt: number;
}

/** Collects one part page by page, then yields the bytes of one object. */
export interface PartBuilder {
  /** Rows added so far. */
  readonly rows: number;
  /**
   * The keys of the rows added so far that the schema does not name, at any depth, as paths (`birthDate`,
   * `address.startMonth`, `contactIndividuals[].gender`; stored in `_extra`), sorted; at most
   * `MAX_UNKNOWN_FIELDS`. Always empty for NDJSON, whose lines keep every key anyway.
   */
  readonly unknownFields: readonly string[];
  /**
   * The paths of named fields some value of which the column's type could not hold (stored in `_extra`;
   * a value its `_text` twin keeps is not one), sorted; at most `MAX_UNKNOWN_FIELDS`. Always empty for NDJSON.
   */
  readonly refusedValues: readonly string[];
  /** `rawRows`, when given, are the same rows' bytes as received (see SourcePage.rawRows). */
  add(rows: readonly RecordRow[], rawRows: readonly Uint8Array[] | undefined, page: PageContext): void;
  /** The part's bytes; the builder is spent afterwards. */
  finish(): Promise<Uint8Array>;
}

/** The most paths a part reports of each kind (a source sending ever new keys would otherwise bloat checkpoints). */
export const MAX_UNKNOWN_FIELDS = 100;

/** Turns parts' rows into object bytes. */
export interface PartEncoder {
  /** File name ending, e.g. "parquet" or "ndjson.gz". */
  readonly extension: string;
  readonly contentType: string;
  startPart(): PartBuilder;
}

/** The context of a page received now. */
export function pageReceived(exportId: string, now: number = Date.now()): PageContext {
  return { exportId, extractedAt: now * 1000 };
}
