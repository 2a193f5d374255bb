import { tableToIPC, type Table } from 'apache-arrow';
import { ArrowTableBuilder, type ArrowTableOptions } from '../../src/sinks/parquet/arrow-columns.js';
import { writeParquetFromIPC, type ParquetWriteOptions } from '../../src/sinks/parquet/parquet-writer.js';
import type { RecordSchema } from '../../src/sinks/record-schema.js';

export { arrowSchemaFor } from '../../src/sinks/parquet/arrow-schema.js';

/** Rows as the part encoder's Arrow table (record batches of at most `batchRows` rows), built in one go. */
export function rowsToArrowTable(rows: readonly Record<string, unknown>[], schema: RecordSchema, options: ArrowTableOptions = {}): Table {
  const builder = new ArrowTableBuilder(schema, options);
  builder.add(rows);
  return builder.finish();
}

/** A whole Parquet file of `rows` on the calling thread, with the steps a part takes: Arrow columns, IPC, parquet-wasm. */
export function encodeParquet(rows: readonly Record<string, unknown>[], schema: RecordSchema, options: ParquetWriteOptions = {}): Uint8Array {
  return writeParquetFromIPC(tableToIPC(rowsToArrowTable(rows, schema), 'stream'), options);
}
