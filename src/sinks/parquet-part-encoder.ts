import type { SourceRow } from '../sources/export-source.js';
import type { PartEncoder } from './part-encoder.js';
import { encodeParquet } from './parquet/parquet-encoder.js';
import type { RecordSchema } from './record-schema.js';

/** Typed columns (Arrow built directly from the rows), ZSTD-compressed Parquet via parquet-wasm. */
export class ParquetPartEncoder implements PartEncoder {
  readonly extension = 'parquet';
  readonly contentType = 'application/vnd.apache.parquet';

  constructor(private readonly schema: RecordSchema) {}

  async encode(rows: readonly SourceRow[]): Promise<Uint8Array> {
    return encodeParquet(rows, this.schema);
  }
}
