import { tableToIPC } from 'apache-arrow';
import type { RecordSchema } from '../record-schema.js';
import { rowsToArrowTable } from './arrow-columns.js';
import { writeParquetFromIPC } from './parquet-writer.js';
import type { ParquetWriteOptions } from './parquet-writer.js';

export { arrowSchemaFor } from './arrow-schema.js';

/** A complete Parquet file of `rows`, on the calling thread: rows → Arrow columns → IPC → parquet-wasm. */
export function encodeParquet(rows: readonly Record<string, unknown>[], schema: RecordSchema, options: ParquetWriteOptions = {}): Uint8Array {
  return writeParquetFromIPC(tableToIPC(rowsToArrowTable(rows, schema), 'stream'), options);
}
