import {
  Bool,
  DateDay,
  Decimal,
  Field as ArrowField,
  Float64,
  Int64,
  List,
  Schema,
  Struct,
  TimestampMicrosecond,
  TimestampMillisecond,
  Utf8,
} from 'apache-arrow';
import type { DataType } from 'apache-arrow';
import type { Field, FieldType, RecordSchema } from '../record-schema.js';

/** Name of the single child field of an Arrow List (Arrow's own convention). */
export const LIST_ITEM_NAME = 'item';
/** Decimals are filled from 64-bit values (DecimalAccumulator), so at most 18 digits. */
export const MAX_DECIMAL_PRECISION = 18;

/** The Arrow schema of the columns built for `schema`; every column and nested field is nullable. */
export function arrowSchemaFor(schema: RecordSchema): Schema {
  return new Schema(arrowFieldsFor(schema.fields, schema.name));
}

export function arrowTypeFor(type: FieldType): DataType {
  switch (type.kind) {
    case 'int64':
      return new Int64();
    case 'float64':
      return new Float64();
    case 'utf8':
    case 'json':
      return new Utf8();
    case 'bool':
      return new Bool();
    case 'timestamp':
      return type.unit === 'microsecond' ? new TimestampMicrosecond('UTC') : new TimestampMillisecond('UTC');
    case 'date':
      return new DateDay();
    case 'decimal':
      if (!Number.isInteger(type.precision) || type.precision < 1 || type.precision > MAX_DECIMAL_PRECISION) {
        throw new RangeError(`decimal precision must be 1 to ${MAX_DECIMAL_PRECISION}, got ${type.precision}`);
      }
      if (!Number.isInteger(type.scale) || type.scale < 0 || type.scale > type.precision) {
        throw new RangeError(`decimal scale must be 0 to the precision (${type.precision}), got ${type.scale}`);
      }
      return new Decimal(type.scale, type.precision, 128);
    case 'struct':
      return new Struct(arrowFieldsFor(type.fields, 'struct'));
    case 'list':
      return new List(new ArrowField(LIST_ITEM_NAME, arrowTypeFor(type.item), true));
  }
}

function arrowFieldsFor(fields: readonly Field[], owner: string): ArrowField[] {
  const seen = new Set<string>();
  return fields.map((field) => {
    if (seen.has(field.name)) throw new Error(`duplicate column name "${field.name}" in ${owner}`);
    seen.add(field.name);
    return new ArrowField(field.name, arrowTypeFor(field.type), true);
  });
}
