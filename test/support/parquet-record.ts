import type { FieldType, RecordRow, RecordSchema } from '../../src/sinks/record-schema.js';
import { parseIsoMicros } from '../../src/time/iso-instant.js';

/**
 * A record as the API sent it, restored from a Parquet row as DuckDB reads it (see duckdb.ts): each
 * column's value under its key (a `_text` twin's text in place of its typed column's value, JSON text
 * parsed), then `_extra` merged in at every depth. Compare it with the original through `comparable`.
 */
export function recordOfParquetRow(schema: RecordSchema, row: Record<string, unknown>): RecordRow {
  const record: RecordRow = {};
  // A `_text` twin reads the key of another column (the typed one); its text is what the API sent.
  const columnNames = new Set(schema.fields.map((field) => field.name));
  const twins = new Set(
    schema.fields.filter((field) => field.sourceKey !== undefined && columnNames.has(field.sourceKey)).map((field) => field.name),
  );
  for (const field of schema.fields) {
    const key = field.sourceKey ?? field.name;
    const value = row[field.name];
    if (twins.has(field.name)) record[key] = value;
    else if (!(key in record)) record[key] = field.type.kind === 'json' && typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  }
  const extra = row._extra;
  return typeof extra === 'string' ? (mergeExtra(record, JSON.parse(extra) as unknown) as RecordRow) : record;
}

/** `extra` laid over `value` at every depth: objects key by key, lists item by item (a null item leaves its item alone). */
function mergeExtra(value: unknown, extra: unknown): unknown {
  if (Array.isArray(extra) && Array.isArray(value))
    return value.map((item, index) => (extra[index] === null ? item : mergeExtra(item, extra[index])));
  if (isObject(extra) && isObject(value)) {
    const merged: Record<string, unknown> = { ...value };
    for (const [key, left] of Object.entries(extra)) merged[key] = key in merged ? mergeExtra(merged[key], left) : left;
    return merged;
  }
  return extra;
}

/**
 * A record in the form both sides of a comparison share: null and missing keys alike (a struct column
 * has every field of its type), and the schema's top-level timestamps as microseconds (`2023-11-30T14:20:56.353333Z`
 * as DuckDB gives them; the API's 7th fractional digit is below what Parquet keeps).
 */
export function comparable(schema: RecordSchema, record: RecordRow): unknown {
  const timestamps = new Set(schema.fields.filter((field) => isTimestamp(field.type)).map((field) => field.sourceKey ?? field.name));
  const shaped: RecordRow = {};
  for (const [key, value] of Object.entries(record)) {
    shaped[key] = timestamps.has(key) && typeof value === 'string' ? microsIso(value) : value;
  }
  return withoutNulls(shaped);
}

function isTimestamp(type: FieldType): boolean {
  return type.kind === 'timestamp';
}

function microsIso(text: string): string {
  const micros = parseIsoMicros(text);
  if (micros === null) return text;
  const millis = Math.floor(micros / 1000);
  const rest = micros - millis * 1000;
  const iso = new Date(millis).toISOString();
  return rest === 0 ? iso : `${iso.slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value;
  const kept: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) if (entry !== null && entry !== undefined) kept[key] = withoutNulls(entry);
  return kept;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
