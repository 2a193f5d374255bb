import type { CloseCatalog, CustomFieldDefinition } from './close-catalog.js';
import { badRequest } from './close-errors.js';
import { formatCloseTimestamp } from './close-timestamp.js';

/** `_limit` when the request has none: the default Close documents for its list endpoints. */
export const CUSTOM_FIELD_LIST_DEFAULT_LIMIT = 100;
/** The most fields one page holds, whatever `_limit` asks (Close publishes no ceiling; this one is ours). */
export const CUSTOM_FIELD_LIST_MAX_LIMIT = 100;

/** When the simulator's custom fields were created: the documentation's example date, one second apart. */
const CREATED_MICROS = Date.UTC(2020, 1, 7, 11, 54, 50, 770) * 1000;

/**
 * `GET /api/v1/custom_field/contact/`: the organization's contact custom fields, paged like Close's
 * other list endpoints (`_skip`, `_limit`; `{"has_more": bool, "data": [...]}`), each field shaped as
 * in Close's documentation example (id, name, description, type, choices for choices fields,
 * accepts_multiple_values, editable_with_roles, organization_id, created/updated by and at).
 */
export function listContactCustomFields(catalog: CloseCatalog, query: URLSearchParams): { has_more: boolean; data: Record<string, unknown>[] } {
  const skip = integerParameter(query, '_skip', 0) ?? 0;
  const limit = Math.min(integerParameter(query, '_limit', 1) ?? CUSTOM_FIELD_LIST_DEFAULT_LIMIT, CUSTOM_FIELD_LIST_MAX_LIMIT);
  const fields = catalog.contactFields;
  const page = fields.slice(skip, skip + limit);
  return { has_more: skip + page.length < fields.length, data: page.map((field, k) => describe(catalog, field, skip + k)) };
}

function describe(catalog: CloseCatalog, field: CustomFieldDefinition, position: number): Record<string, unknown> {
  const stamp = formatCloseTimestamp(CREATED_MICROS + position * 1_000_000);
  const owner = catalog.currentUserId;
  return {
    id: field.id,
    name: field.name,
    description: null,
    type: field.type,
    ...(field.type === 'choices' ? { choices: [...field.choices!] } : {}),
    accepts_multiple_values: field.acceptsMultipleValues,
    editable_with_roles: [],
    organization_id: catalog.organizationId,
    date_created: stamp,
    date_updated: stamp,
    created_by: owner,
    updated_by: owner,
  };
}

function integerParameter(query: URLSearchParams, name: string, minimum: number): number | undefined {
  const text = query.get(name);
  if (text === null || text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) throw badRequest(`${name} must be an integer >= ${minimum}, got ${JSON.stringify(text)}.`, name);
  return value;
}
