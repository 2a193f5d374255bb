import { NdjsonEncoder } from './ndjson/ndjson-encoder.js';
import type { PartEncoder } from './part-encoder.js';
import type { PartFormat } from './part-format.js';
import type { RecordSchema } from './record-schema.js';

/** The encoder of an export's parts. Arrow is loaded only for Parquet: a worker that writes NDJSON never needs it. */
export async function createPartEncoder(format: PartFormat, schema: RecordSchema, options: { gzip: boolean }): Promise<PartEncoder> {
  if (format !== 'parquet') return new NdjsonEncoder(options.gzip);
  const { ParquetPartEncoder } = await import('./parquet-part-encoder.js');
  return new ParquetPartEncoder(schema);
}
