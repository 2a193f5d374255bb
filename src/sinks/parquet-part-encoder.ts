import type { SourceRow } from '../sources/export-source.js';
import { parquetEncodingThread } from './encoding/parquet-encoding-thread-client.js';
import type { PartBuilder, PartEncoder } from './part-encoder.js';
import type { RecordSchema } from './record-schema.js';

/**
 * Typed columns (Arrow built directly from the rows), ZSTD-compressed Parquet via parquet-wasm,
 * encoded on a separate thread so the event loop keeps renewing job locks meanwhile.
 */
export class ParquetPartEncoder implements PartEncoder {
  readonly extension = 'parquet';
  readonly contentType = 'application/vnd.apache.parquet';

  constructor(private readonly schema: RecordSchema) {}

  startPart(): PartBuilder {
    let rows: SourceRow[] = [];
    const schema = this.schema;
    return {
      get rows() {
        return rows.length;
      },
      add(page) {
        for (const row of page) rows.push(row);
      },
      finish() {
        const all = rows;
        rows = [];
        return parquetEncodingThread.encode(all, schema);
      },
    };
  }

  /** A whole part at once. */
  encode(rows: readonly SourceRow[]): Promise<Uint8Array> {
    return parquetEncodingThread.encode(rows, this.schema);
  }
}
