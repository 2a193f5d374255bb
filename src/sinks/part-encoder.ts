import type { RecordRow } from './record-schema.js';

/** Collects one part page by page, then yields the bytes of one object. */
export interface PartBuilder {
  /** Rows added so far. */
  readonly rows: number;
  /** `rawRows`, when given, are the same rows' bytes as received (see SourcePage.rawRows). */
  add(rows: readonly RecordRow[], rawRows?: readonly Uint8Array[]): void;
  /** The part's bytes; the builder is spent afterwards. */
  finish(): Promise<Uint8Array>;
}

/** Turns parts' rows into object bytes. */
export interface PartEncoder {
  /** File name ending, e.g. "parquet" or "ndjson.gz". */
  readonly extension: string;
  readonly contentType: string;
  startPart(): PartBuilder;
}
