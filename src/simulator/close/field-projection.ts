import { badRequest, requireObject } from './close-errors.js';
import type { ContactRecord } from './contact-generator.js';

/**
 * `_fields: {"contact": [...]}`. Results always carry `__object_type`; then exactly the requested
 * fields that exist, in the requested order (the id only when asked for, as with any field). Unknown
 * names are ignored. `custom` expands to every `custom.cf_...` key the contact has; `custom.cf_x`
 * gives that field's value, or null when unset. Without `_fields` (or without a `contact` list) each
 * result is `{"__object_type": "contact", "id": ...}`.
 */
export type Projection = readonly string[] | undefined;

export const REGULAR_CONTACT_FIELDS = new Set([
  'id', 'organization_id', 'lead_id', 'name', 'display_name', 'title', 'emails', 'phones', 'urls',
  'date_created', 'date_updated', 'created_by', 'updated_by',
]);

export function parseProjection(raw: unknown, customKeys: ReadonlySet<string>): Projection {
  if (raw === undefined || raw === null) return undefined;
  const fields = requireObject(raw, '_fields');
  const contact = fields['contact'];
  if (contact === undefined || contact === null) return undefined;
  if (!Array.isArray(contact) || !contact.every((name) => typeof name === 'string')) {
    throw badRequest('_fields.contact must be a list of field names.', '_fields.contact');
  }
  return (contact as string[]).filter((name) => REGULAR_CONTACT_FIELDS.has(name) || name === 'custom' || customKeys.has(name));
}

export function project(record: ContactRecord, projection: Projection): Record<string, unknown> {
  if (projection === undefined) return { __object_type: 'contact', id: record['id'] };
  const result: Record<string, unknown> = { __object_type: 'contact' };
  for (const name of projection) {
    if (name === 'custom') {
      for (const key of Object.keys(record)) if (key.startsWith('custom.')) result[key] = record[key];
    } else {
      result[name] = record[name] ?? null;
    }
  }
  return result;
}
