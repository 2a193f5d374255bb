import type { Field, FieldType } from '../../sinks/record-schema.js';

/** The suffix of the column that keeps the API's own text beside a typed column made from it. */
export const TEXT_COLUMN_SUFFIX = '_text';

/**
 * A typed column of the key `name` and, after it, `<name>_text` with the API's value as text: a value the
 * type cannot hold ("Unavailable", a format nobody foresaw) is NULL in the first and kept in the second.
 */
export function typedWithText(name: string, type: FieldType): Field[] {
  return [
    { name, type },
    { name: `${name}${TEXT_COLUMN_SUFFIX}`, sourceKey: name, type: { kind: 'utf8' } },
  ];
}
