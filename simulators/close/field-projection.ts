import { badRequest, requireObject } from './close-errors.js';
import type { ContactRecord } from './contact-generator.js';

/**
 * `_fields: {"contact": [...]}`. Results always carry `__object_type`; then exactly the requested
 * fields that exist, in the requested order (the id only when asked for, as with any field). Unknown
 * names are ignored. `custom` stands for every custom field the contact has set; `custom.cf_x` for
 * that field, null when unset. Without `_fields` (or without a `contact` list) each result is
 * `{"__object_type": "contact", "id": ...}`.
 */
export type Projection = readonly string[] | undefined;

/**
 * How custom values are answered (the evidence leaves it open: docs/sources/close.md, "Open questions"):
 * - `flat`: top-level `custom.cf_x` keys, as Close documents for fields asked for by that name;
 * - `nested-by-id`: one `custom` object keyed by field id (`{"custom": {"cf_x": ...}}`), as a public
 *   connector saw when asking for `custom`;
 * - `nested-by-name`: one `custom` object keyed by field name, the shape of Close's deprecated custom dict.
 * The nested object stands where the first custom selector was asked for.
 */
export type CustomFieldShape = 'flat' | 'nested-by-id' | 'nested-by-name';
export const CUSTOM_FIELD_SHAPES: readonly CustomFieldShape[] = ['flat', 'nested-by-id', 'nested-by-name'];

export const REGULAR_CONTACT_FIELDS = new Set([
  'id',
  'organization_id',
  'lead_id',
  'name',
  'display_name',
  'title',
  'emails',
  'phones',
  'urls',
  'date_created',
  'date_updated',
  'created_by',
  'updated_by',
]);

export interface ProjectionContext {
  /** `custom.cf_x` keys of the organization's contact custom fields. */
  customKeys: ReadonlySet<string>;
  /** Most entries `_fields.contact` may have; more is a 400 naming `_fields`. */
  maxFieldSelectors: number;
}

export function parseProjection(raw: unknown, context: ProjectionContext): Projection {
  if (raw === undefined || raw === null) return undefined;
  const fields = requireObject(raw, '_fields');
  const contact = fields['contact'];
  if (contact === undefined || contact === null) return undefined;
  if (!Array.isArray(contact) || !contact.every((name) => typeof name === 'string')) {
    throw badRequest('_fields.contact must be a list of field names.', '_fields.contact');
  }
  if (contact.length > context.maxFieldSelectors) {
    throw badRequest(`Too many fields requested: ${contact.length} (at most ${context.maxFieldSelectors}).`, '_fields');
  }
  return (contact as string[]).filter((name) => REGULAR_CONTACT_FIELDS.has(name) || name === 'custom' || context.customKeys.has(name));
}

/**
 * `nameOf(id)`: a custom field's name, for the `nested-by-name` shape. `unaskedLeadId`: add `lead_id`
 * to every projected result, which Close's guide says may happen ("an implementation detail").
 */
export function project(
  record: ContactRecord,
  projection: Projection,
  shape: CustomFieldShape,
  nameOf: (id: string) => string,
  unaskedLeadId = false,
): Record<string, unknown> {
  if (projection === undefined) return { __object_type: 'contact', id: record['id'] };
  const result: Record<string, unknown> = { __object_type: 'contact' };
  const custom: Record<string, unknown> = {};
  const put = (key: string, value: unknown) => {
    if (shape === 'flat') {
      result[key] = value;
      return;
    }
    const id = key.slice('custom.'.length);
    custom[shape === 'nested-by-id' ? id : nameOf(id)] = value;
    result['custom'] = custom;
  };
  for (const name of projection) {
    if (name === 'custom') {
      for (const key of Object.keys(record)) if (key.startsWith('custom.')) put(key, record[key]);
    } else if (name.startsWith('custom.')) {
      put(name, record[name] ?? null);
    } else {
      result[name] = record[name] ?? null;
    }
  }
  if (unaskedLeadId && !Object.hasOwn(result, 'lead_id')) result['lead_id'] = record['lead_id'];
  return result;
}
