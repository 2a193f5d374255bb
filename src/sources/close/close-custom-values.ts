import { BulkExportError } from '../../errors/index.js';
import { parseCalendarDateDays, parseIsoDateTimeMicros } from '../../time/iso-instant.js';
import { closeCustomFieldColumnKind, type CloseCustomColumnKind } from './close-custom-field-columns.js';
import type { SourceRow } from '../export-source.js';
import { customFieldIdOf, type CloseCustomField } from './close-custom-fields.js';

interface ReadField {
  key: string;
  id: string;
  name: string | undefined;
  kind: CloseCustomColumnKind;
  type: string;
}

/**
 * Reads a contact's custom values into flat `custom.<id>` keys, whichever way search answered:
 * - flat top-level `custom.<id>` keys (what Close documents for fields asked for by that name);
 * - one nested `custom` object keyed by field id (`{"custom": {"cf_x": ...}}`);
 * - one nested `custom` object keyed by field name (`{"custom": {"Tier": ...}}`, the shape of Close's
 *   older, deprecated custom dict), resolved through the catalogue's names.
 * A flat key wins over a nested entry; a field the answer does not carry reads as null.
 *
 * Each value is brought to its column's shape: a multi-valued field's single value becomes a list of
 * one, a number sent as text becomes a number. A value that cannot be stored in its typed column (text
 * in a number field, a date that is not `YYYY-MM-DD`) is an error rather than a silent null.
 */
export class CustomValueReader {
  private readonly fields: ReadField[];
  /** Names that several of the exported fields share: a nested object keyed by one of them is ambiguous. */
  private readonly sharedNames: Set<string>;

  constructor(keys: readonly string[], catalogue: readonly CloseCustomField[]) {
    const byId = new Map(catalogue.map((field) => [field.id, field]));
    this.fields = keys.map((key) => {
      const id = customFieldIdOf(key);
      const field = byId.get(id);
      return { key, id, name: field?.name, kind: closeCustomFieldColumnKind(field), type: field?.type ?? 'unknown' };
    });
    const counts = new Map<string, number>();
    for (const field of this.fields) if (field.name !== undefined) counts.set(field.name, (counts.get(field.name) ?? 0) + 1);
    this.sharedNames = new Set([...counts].filter(([, count]) => count > 1).map(([name]) => name));
  }

  /** The row with its custom values under flat `custom.<id>` keys (a nested `custom` object is dropped). */
  read(row: SourceRow): SourceRow {
    const nested = isPlainObject(row.custom) ? row.custom : undefined;
    const result: SourceRow = { ...row };
    if (nested !== undefined) delete result.custom;
    for (const field of this.fields) {
      result[field.key] = this.conform(this.find(row, nested, field), field, row.id);
    }
    return result;
  }

  private find(row: SourceRow, nested: Record<string, unknown> | undefined, field: ReadField): unknown {
    if (Object.hasOwn(row, field.key)) return row[field.key];
    if (nested === undefined) return undefined;
    if (Object.hasOwn(nested, field.id)) return nested[field.id];
    if (field.name === undefined || !Object.hasOwn(nested, field.name)) return undefined;
    if (this.sharedNames.has(field.name)) {
      const ids = this.fields.filter((other) => other.name === field.name).map((other) => other.id);
      throw new BulkExportError(
        'AMBIGUOUS_CUSTOM_FIELD_NAME',
        `Close answered the custom values of contact ${String(row.id)} keyed by field name, and the custom fields ${ids.join(', ')} share the name ` +
          `"${field.name}": their values cannot be told apart. Rename one of them in Close, or leave all but one out with --fields.`,
      );
    }
    return nested[field.name];
  }

  private conform(value: unknown, field: ReadField, contactId: unknown): unknown {
    if (value === undefined || value === null) return null;
    switch (field.kind) {
      case 'list':
        return Array.isArray(value) ? value : [value];
      case 'number': {
        if (typeof value === 'number' && Number.isFinite(value)) return value;
        const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
        if (Number.isFinite(number)) return number;
        return this.mismatch(value, field, contactId, 'number');
      }
      case 'date':
        return typeof value === 'string' && parseCalendarDateDays(value) !== null ? value : this.mismatch(value, field, contactId, 'date YYYY-MM-DD');
      case 'datetime':
        return typeof value === 'string' && parseIsoDateTimeMicros(value) !== null
          ? value
          : this.mismatch(value, field, contactId, 'ISO 8601 date-time');
      case 'text':
      case 'json':
        return value;
    }
  }

  private mismatch(value: unknown, field: ReadField, contactId: unknown, expected: string): never {
    throw new BulkExportError(
      'CUSTOM_VALUE_MISMATCH',
      `Close returned ${JSON.stringify(value)?.slice(0, 120)} for the custom field ${field.name === undefined ? '' : `"${field.name}" `}(${field.id}, type ${field.type}) ` +
        `of contact ${String(contactId)}, which is not a ${expected}. While Close converts a field to a new type ("converting_to_type" in ` +
        'GET /custom_field/contact/) it may still answer old values: the range is retried. If this persists, export with --format ndjson, ' +
        'which keeps every value as Close sent it.',
    );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
