import { badRequest, requireArray, requireObject, requireString } from './close-errors.js';
import type { ContactRow } from './contact-row.js';
import type { FieldAccess, ObjectSchema } from './object-schemas.js';

/** A sort value: a number (dates as microseconds, counts), lower-cased text, or null (missing). */
export type SortValue = number | string | null;

export interface SortSpec {
  fieldName: string;
  /** 1 ascending, -1 descending. */
  direction: 1 | -1;
  access: FieldAccess;
}

/**
 * Validates `sort`: only the contact's own number, date and text fields (name, display_name, title,
 * date_created, date_updated, emails_count, phones_count, urls_count) may be used; references/ids,
 * custom fields and fields of other objects are a 400, as is an unknown direction.
 */
export function parseSort(raw: unknown, contact: ObjectSchema): SortSpec[] {
  if (raw === undefined || raw === null) return [];
  return requireArray(raw, 'sort').map((rawEntry, k) => {
    const path = `sort[${k}]`;
    const entry = requireObject(rawEntry, path);
    const direction = entry['direction'] ?? 'asc';
    if (direction !== 'asc' && direction !== 'desc') throw badRequest(`${path}.direction must be "asc" or "desc".`, `${path}.direction`);
    const field = requireObject(entry['field'], `${path}.field`);
    if (field['type'] !== 'regular_field') {
      throw badRequest(
        `Only regular fields that belong to the contact can be used for sorting, not ${JSON.stringify(field['type'])}.`,
        `${path}.field.type`,
      );
    }
    const objectType = requireString(field['object_type'], `${path}.field.object_type`);
    const fieldName = requireString(field['field_name'], `${path}.field.field_name`);
    if (objectType !== 'contact') {
      throw badRequest(`Fields of other objects (${objectType}.${fieldName}) cannot be used for sorting.`, `${path}.field.object_type`);
    }
    const access = contact.fields.get(fieldName);
    if (!access) throw badRequest(`Unknown contact field "${fieldName}".`, `${path}.field.field_name`);
    if (!access.sortable)
      throw badRequest(`The field "${fieldName}" cannot be used for sorting (references and ids are not sortable).`, `${path}.field.field_name`);
    return { fieldName, direction: direction === 'asc' ? 1 : -1, access };
  });
}

export function sortValues(row: ContactRow, specs: readonly SortSpec[]): SortValue[] {
  return specs.map((spec) => {
    const value = spec.access.read(row);
    if (typeof value === 'number') return value;
    if (typeof value === 'string') return value.toLowerCase();
    return null;
  });
}

/**
 * Total order of the sort: each key in its direction with missing values last in either direction,
 * then the id (its order key) in the direction of the first key (ascending without a sort).
 */
export function compareSorted(
  specs: readonly SortSpec[],
  aValues: readonly SortValue[],
  aKey: number,
  bValues: readonly SortValue[],
  bKey: number,
): number {
  for (let k = 0; k < specs.length; k++) {
    const a = aValues[k] ?? null;
    const b = bValues[k] ?? null;
    if (a === b) continue;
    if (a === null) return 1;
    if (b === null) return -1;
    if (a < b) return -specs[k]!.direction;
    if (a > b) return specs[k]!.direction;
  }
  return (aKey - bKey) * (specs[0]?.direction ?? 1);
}
