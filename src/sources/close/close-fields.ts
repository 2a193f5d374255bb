import { InvalidInputError } from '../../errors/index.js';
import type { RecordSchema } from '../../sinks/record-schema.js';
import { closeContactSchema, closeContactSchemaWith } from './close-contact-schema.js';
import type { CloseCustomField } from './close-custom-fields.js';

/** The contact's own fields (docs/sources/close.md, "Evidence: contact object and custom fields"), in schema order. */
export const CLOSE_CONTACT_FIELDS: readonly string[] = closeContactSchema.fields.map((field) => field.name);

/** Always requested: the row key and the paging key. */
export const REQUIRED_FIELDS = ['id', 'date_created'] as const;

/** `--fields` keyword: every contact custom field of the organization (`GET /custom_field/contact/`). */
export const ALL_CUSTOM_FIELDS = 'custom';

/** `custom.<id>`: ids are `cf_` and letters and digits (fields created before May 2021 may start `ccf_` or `lcf_`). */
const CUSTOM_FIELD_KEY = /^custom\.[A-Za-z0-9]+_[A-Za-z0-9_]+$/;

export interface CloseFieldSelection {
  /** Regular contact fields to request, `id` and `date_created` included. */
  fields: string[];
  /** Custom field keys (`custom.cf_...`) named explicitly. */
  customFieldKeys: string[];
  /** Whether to add every custom field of the organization's catalogue (`custom`, the default). */
  discoverCustomFields: boolean;
}

/**
 * `--fields a,b,c`: regular contact fields, `custom` (every custom field of the organization) and
 * explicit `custom.cf_...` keys. Without `--fields`: every regular field and every custom field.
 */
export function parseFieldList(list: string | undefined): CloseFieldSelection {
  if (list === undefined) return { fields: [...CLOSE_CONTACT_FIELDS], customFieldKeys: [], discoverCustomFields: true };
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new InvalidInputError('--fields is empty: name at least one field, e.g. --fields name,emails,custom.');
  const unknown = names.filter((name) => !CLOSE_CONTACT_FIELDS.includes(name) && name !== ALL_CUSTOM_FIELDS && !CUSTOM_FIELD_KEY.test(name));
  if (unknown.length > 0) {
    throw new InvalidInputError(
      `Unknown --fields ${unknown.map((name) => `"${name}"`).join(', ')}: use ${CLOSE_CONTACT_FIELDS.join(', ')}, ` +
        `"${ALL_CUSTOM_FIELDS}" (every custom field) or custom.cf_<id>.`,
    );
  }
  const chosen = new Set<string>([...REQUIRED_FIELDS, ...names.filter((name) => CLOSE_CONTACT_FIELDS.includes(name))]);
  return {
    fields: CLOSE_CONTACT_FIELDS.filter((name) => chosen.has(name)),
    customFieldKeys: [...new Set(names.filter((name) => CUSTOM_FIELD_KEY.test(name)))],
    discoverCustomFields: names.includes(ALL_CUSTOM_FIELDS),
  };
}

/**
 * The record schema of an export: `closeContactSchemaWith(customFieldKeys, catalogue)` restricted to the
 * chosen regular fields, so a narrow `--fields` gives a narrow Parquet file rather than columns of nulls.
 * Custom columns are typed from the catalogue; a key it does not list is JSON text.
 */
export function closeSchemaFor(
  fields: readonly string[],
  customFieldKeys: readonly string[],
  catalogue: readonly CloseCustomField[] = [],
): RecordSchema {
  const full = closeContactSchemaWith(customFieldKeys, catalogue);
  const wanted = new Set(fields);
  return { ...full, fields: full.fields.filter((field) => field.sourceKey !== undefined || wanted.has(field.name)) };
}
