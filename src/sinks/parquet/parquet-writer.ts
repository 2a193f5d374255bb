// parquet-wasm's Node build (CommonJS) instantiates its WebAssembly synchronously when imported, so
// no init() is needed; its default "esm" build would need `await init()` and a fetchable .wasm file.
import { Compression, EnabledStatistics, Table as WasmTable, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm/node';

export type ParquetCompression = 'zstd' | 'snappy' | 'none';

export interface ParquetWriteOptions {
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
 * A complete Parquet file (dictionary encoding and page statistics on) of an Arrow IPC stream.
 * Depends on parquet-wasm alone, so the encoding thread that runs it loads nothing else.
 */
export function writeParquetFromIPC(ipcStream: Uint8Array, options: ParquetWriteOptions = {}): Uint8Array {
  const rowGroupRows = options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  if (!Number.isInteger(rowGroupRows) || rowGroupRows < 1) {
    throw new RangeError(`rowGroupRows must be a positive integer, got ${rowGroupRows}`);
  }
  const writerProperties = new WriterPropertiesBuilder()
    .setCompression(compressionCodecs[options.compression ?? 'zstd'])
    .setMaxRowGroupSize(rowGroupRows)
    .setDictionaryEnabled(true)
    .setStatisticsEnabled(EnabledStatistics.Page)
    .build();
  // writeParquet takes ownership of (and frees) both WebAssembly objects.
  return writeParquet(WasmTable.fromIPCStream(ipcStream), writerProperties);
}
