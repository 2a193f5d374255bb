import { NdjsonEncoder } from './ndjson/ndjson-encoder.js';
import { ParquetPartEncoder } from './parquet-part-encoder.js';
import type { PartEncoder } from './part-encoder.js';
import type { PartFormat } from './part-format.js';
import type { RecordSchema } from './record-schema.js';

export function createPartEncoder(format: PartFormat, schema: RecordSchema, options: { gzip: boolean }): PartEncoder {
  return format === 'parquet' ? new ParquetPartEncoder(schema) : new NdjsonEncoder(options.gzip);
}
