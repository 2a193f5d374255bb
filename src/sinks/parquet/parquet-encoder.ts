import { tableToIPC } from 'apache-arrow';
// parquet-wasm's Node build (CommonJS) instantiates its WebAssembly synchronously when imported, so
// no init() is needed; its default "esm" build would need `await init()` and a fetchable .wasm file.
import { Compression, EnabledStatistics, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm/node';
import type { RecordSchema } from '../record-schema.js';
import { rowsToArrowTable } from './arrow-columns.js';

export { arrowSchemaFor } from './arrow-schema.js';

export type ParquetCompression = 'zstd' | 'snappy' | 'none';

export interface ParquetEncodeOptions {
  /** Maximum rows per row group (default 100,000). */
  rowGroupRows?: number;
  /** Default 'zstd'. */
  compression?: ParquetCompression;
}

export const DEFAULT_ROW_GROUP_ROWS = 100_000;

const compressionCodecs: Record<ParquetCompression, Compression> = {
  zstd: Compression.ZSTD,
  snappy: Compression.SNAPPY,
  none: Compression.UNCOMPRESSED,
};

/**
 * A complete Parquet file of `rows` (dictionary encoding and page statistics on). The rows become
 * Arrow record batches, then an Arrow IPC stream that parquet-wasm reads into WebAssembly memory
 * and writes as Parquet.
 */
export function encodeParquet(
  rows: readonly Record<string, unknown>[],
  schema: RecordSchema,
  options: ParquetEncodeOptions = {},
): Uint8Array {
  const rowGroupRows = options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  if (!Number.isInteger(rowGroupRows) || rowGroupRows < 1) {
    throw new RangeError(`rowGroupRows must be a positive integer, got ${rowGroupRows}`);
  }
  const wasmTable = toWasmTable(rows, schema);
  const writerProperties = new WriterPropertiesBuilder()
    .setCompression(compressionCodecs[options.compression ?? 'zstd'])
    .setMaxRowGroupSize(rowGroupRows)
    .setDictionaryEnabled(true)
    .setStatisticsEnabled(EnabledStatistics.Page)
    .build();
  // writeParquet takes ownership of (and frees) both WebAssembly objects.
  return writeParquet(wasmTable, writerProperties);
}

/** Kept apart so that the Arrow table and its IPC copy can be collected while parquet-wasm writes. */
function toWasmTable(rows: readonly Record<string, unknown>[], schema: RecordSchema): WasmTable {
  return WasmTable.fromIPCStream(tableToIPC(rowsToArrowTable(rows, schema), 'stream'));
}
