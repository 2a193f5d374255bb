import type { FieldType } from '../../sinks/record-schema.js';

/**
 * What the schema needs to know of a Close custom field: its id, and the `type` and
 * `accepts_multiple_values` that `GET /custom_field/contact/` reports for it.
 */
export interface CloseCustomFieldColumn {
  id: string;
  /** Close's type name: text, number, date, datetime, choices, user, contact, custom_object, textarea, hidden, ... */
  type: string;
  acceptsMultipleValues: boolean;
}

/** How a custom field's values are stored; see `closeCustomFieldColumnKind`. */
export type CloseCustomColumnKind = 'text' | 'number' | 'date' | 'datetime' | 'list' | 'json';

/** Single-valued types whose values are text: free text, a choice, or the id of a user, contact or custom object. */
const TEXT_TYPES = new Set(['text', 'textarea', 'choices', 'user', 'contact', 'custom_object']);

/**
 * The column kind of a custom field (Close's types: developer.close.com, "Custom Fields"):
 * - a field that accepts multiple values: a list of text (Close documents lists for choices, user,
 *   contact and custom_object fields; any other multi-valued type is listed the same way);
 * - text, textarea, choices, user, contact, custom_object: text;
 * - number: a double (Close documents "integer or decimal values" without a scale, so DECIMAL has none to take);
 * - date (`2014-06-12`): a DATE; datetime (`2014-06-27T22:00:00-08:00`): a UTC timestamp in microseconds;
 * - hidden ("any value"), and any type this code does not know, or a field without a catalogue entry: JSON text.
 */
export function closeCustomFieldColumnKind(field: Pick<CloseCustomFieldColumn, 'type' | 'acceptsMultipleValues'> | undefined): CloseCustomColumnKind {
  if (field === undefined || field.type === 'hidden') return 'json';
  if (field.acceptsMultipleValues) return TEXT_TYPES.has(field.type) || ['number', 'date', 'datetime'].includes(field.type) ? 'list' : 'json';
  if (TEXT_TYPES.has(field.type)) return 'text';
  if (field.type === 'number' || field.type === 'date' || field.type === 'datetime') return field.type;
  return 'json';
}

const COLUMN_TYPES: Record<CloseCustomColumnKind, FieldType> = {
  text: { kind: 'utf8' },
  number: { kind: 'float64' },
  date: { kind: 'date' },
  datetime: { kind: 'timestamp', unit: 'microsecond' },
  list: { kind: 'list', item: { kind: 'utf8' } },
  json: { kind: 'json' },
};

/** The Parquet column type of a custom field. */
export function closeCustomFieldType(field: Pick<CloseCustomFieldColumn, 'type' | 'acceptsMultipleValues'> | undefined): FieldType {
  return COLUMN_TYPES[closeCustomFieldColumnKind(field)];
}

/**
 * The column of the record key `custom.<id>`: `custom_<id>` (a dot in a column name needs quoting in
 * SQL), any character other than a letter, digit or underscore replaced by `_`. Close ids are
 * `cf_` + letters and digits (older ones `lcf_`/`ccf_`), so the name is the id's own.
 */
export function closeCustomFieldColumnName(id: string): string {
  return `custom_${id.replace(/[^A-Za-z0-9_]/g, '_')}`;
}
