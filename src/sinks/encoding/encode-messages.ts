import type { SourceRow } from '../../sources/export-source.js';
import type { RecordSchema } from '../record-schema.js';

export interface EncodeRequest {
  id: number;
  rows: readonly SourceRow[];
  schema: RecordSchema;
}

export type EncodeResponse = { id: number; bytes: Uint8Array; error?: undefined } | { id: number; error: string; bytes?: undefined };
