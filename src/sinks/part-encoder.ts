import type { SourceRow } from '../sources/export-source.js';

/** Turns one part's rows into the bytes of one object. */
export interface PartEncoder {
  /** File name ending, e.g. "parquet" or "ndjson.gz". */
  readonly extension: string;
  readonly contentType: string;
  encode(rows: readonly SourceRow[]): Promise<Uint8Array>;
}
