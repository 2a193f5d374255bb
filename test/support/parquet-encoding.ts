import { tableToIPC, type Table } from 'apache-arrow';
import { ArrowTableBuilder, type ArrowTableOptions } from '../../src/sinks/parquet/arrow-columns.js';
import { writeParquetFromIPC, type ParquetWriteOptions } from '../../src/sinks/parquet/parquet-writer.js';
import type { PageContext } from '../../src/sinks/part-encoder.js';
import type { RecordSchema } from '../../src/sinks/record-schema.js';

export { arrowSchemaFor } from '../../src/sinks/parquet/arrow-schema.js';

/** The page context of rows built by these helpers unless a test gives its own: lineage columns hold it. */
export const TEST_PAGE: PageContext = { exportId: 'exp-20260101t000000-000000', extractedAt: Date.UTC(2026, 0, 1, 0, 0, 1, 234) * 1000 + 567 };

/** Rows as the part encoder's Arrow table (record batches of at most `batchRows` rows), built in one go. */
export function rowsToArrowTable(
  rows: readonly Record<string, unknown>[],
  schema: RecordSchema,
  options: ArrowTableOptions = {},
  page: PageContext = TEST_PAGE,
): Table {
  const builder = new ArrowTableBuilder(schema, options);
  builder.add(rows, page);
  return builder.finish();
}

/** A whole Parquet file of `rows` on the calling thread, with the steps a part takes: Arrow columns, IPC, parquet-wasm. */
export function encodeParquet(
  rows: readonly Record<string, unknown>[],
  schema: RecordSchema,
  options: ParquetWriteOptions = {},
  page: PageContext = TEST_PAGE,
): Uint8Array {
  return writeParquetFromIPC(tableToIPC(rowsToArrowTable(rows, schema, {}, page), 'stream'), options);
}
