import { tableToIPC } from 'apache-arrow';
import { parquetEncodingThread } from './encoding/parquet-encoding-thread-client.js';
import { ArrowTableBuilder } from './parquet/arrow-columns.js';
import { arrowSchemaFor } from './parquet/arrow-schema.js';
import { parquetColumnsOf } from './parquet-columns.js';
import type { PageContext, PartBuilder, PartEncoder } from './part-encoder.js';
import type { RecordRow, RecordSchema } from './record-schema.js';

/**
 * Typed columns, ZSTD-compressed Parquet via parquet-wasm. Each page goes straight into Arrow column
 * buffers as it arrives (no part keeps its row objects); at the end the columns become one Arrow IPC
 * stream whose buffer is handed, not copied, to the encoding thread, so compression never blocks the
 * event loop that renews job locks. The columns are `parquetColumnsOf(schema)`: the schema's own, then
 * `_export_id`, `_extracted_at` (from each page's context) and `_extra` (the keys the schema does not name).
 */
export class ParquetPartEncoder implements PartEncoder {
  readonly extension = 'parquet';
  readonly contentType = 'application/vnd.apache.parquet';
  private readonly arrowSchema;

  constructor(private readonly schema: RecordSchema) {
    this.arrowSchema = arrowSchemaFor(parquetColumnsOf(schema));
  }

  startPart(): PartBuilder {
    const columns = new ArrowTableBuilder(this.schema, { arrowSchema: this.arrowSchema });
    return {
      get rows() {
        return columns.rows;
      },
      get unknownFields() {
        return columns.unknownFields;
      },
      get refusedValues() {
        return columns.refusedValues;
      },
      add(page, _rawRows, context) {
        columns.add(page, context);
      },
      finish() {
        return parquetEncodingThread.writeParquet(tableToIPC(columns.finish(), 'stream'));
      },
    };
  }

  /** A whole part at once. */
  encode(rows: readonly RecordRow[], page: PageContext): Promise<Uint8Array> {
    const part = this.startPart();
    part.add(rows, undefined, page);
    return part.finish();
  }
}
