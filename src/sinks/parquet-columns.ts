import type { Field, RecordSchema } from './record-schema.js';

/** The export that wrote the row (VARCHAR), as dlt's `_dlt_load_id` or Airbyte's `_airbyte_raw_id` do. */
export const EXPORT_ID_COLUMN = '_export_id';
/** When the row's page was received from the API (TIMESTAMP WITH TIME ZONE, microseconds, UTC), as `_airbyte_extracted_at`. */
export const EXTRACTED_AT_COLUMN = '_extracted_at';
/** The record's keys the schema does not name, as one JSON object (VARCHAR; NULL when there are none). */
export const EXTRA_COLUMN = '_extra';

/** The columns every Parquet part has after the schema's own: lineage, then the unknown fields. */
export const PARQUET_TRAILING_FIELDS: readonly Field[] = [
  { name: EXPORT_ID_COLUMN, type: { kind: 'utf8' } },
  { name: EXTRACTED_AT_COLUMN, type: { kind: 'timestamp', unit: 'microsecond' } },
  { name: EXTRA_COLUMN, type: { kind: 'json' } },
];

/**
 * The columns of a Parquet part of `schema`'s records: the schema's own fields, then `_export_id`,
 * `_extracted_at` and `_extra` (which are not read from the record). NDJSON parts hold the records as the
 * API sent them and have none of these.
 */
export function parquetColumnsOf(schema: RecordSchema): RecordSchema {
  return { ...schema, fields: [...schema.fields, ...PARQUET_TRAILING_FIELDS] };
}
