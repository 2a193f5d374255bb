import { BulkExportError } from '../../errors/index.js';
import type { CloseCustomFieldColumn } from './close-custom-field-columns.js';

/**
 * One contact custom field of the organization, as `GET /custom_field/contact/` describes it
 * (developer.close.com, "Contact Custom Fields"; docs/sources/close.md, "Evidence"): the parts every worker
 * needs to build the same schema and read the same values. Stored in the export spec; holds no secret.
 */
export interface CloseCustomField extends CloseCustomFieldColumn {
  /** `cf_...` (fields created before May 2021 may have another prefix, such as `ccf_`). */
  id: string;
  /** The user-readable name (what the Close UI shows, and a nested `custom` object may be keyed by). */
  name: string;
  /** Close's type name (text, number, date, datetime, choices, user, contact, custom_object, hidden, ...). */
  type: string;
  acceptsMultipleValues: boolean;
}

/** One page of the list: its fields, and `has_more` when the answer had it. */
export interface CustomFieldPage {
  fields: CloseCustomField[];
  hasMore: boolean | undefined;
}

/**
 * Reads a page of `GET /custom_field/contact/`: `{"has_more": bool, "data": [{"id", "name", "type",
 * "accepts_multiple_values", "choices", ...}]}`. An entry without a string id is refused (the exporter
 * could not ask for it); a missing name reads as the id, a missing type as unknown (its values are
 * exported as JSON text), a missing `accepts_multiple_values` as false. Other attributes are ignored.
 */
export function parseCustomFieldPage(answer: unknown, endpoint: string): CustomFieldPage {
  const body = answer as { data?: unknown; has_more?: unknown } | null;
  if (typeof body !== 'object' || body === null || !Array.isArray(body.data)) {
    throw new BulkExportError('UNEXPECTED_RESPONSE', `Close answered ${endpoint} without a "data" list; check CLOSE_BASE_URL.`);
  }
  const fields = body.data.map((entry: unknown, index: number): CloseCustomField => {
    const field = entry as Record<string, unknown> | null;
    if (typeof field !== 'object' || field === null || typeof field.id !== 'string' || field.id === '') {
      throw new BulkExportError(
        'UNEXPECTED_RESPONSE',
        `Close answered ${endpoint} with an entry without an id (data[${index}]: ${JSON.stringify(entry)?.slice(0, 200)}).`,
      );
    }
    return {
      id: field.id,
      name: typeof field.name === 'string' ? field.name : field.id,
      type: typeof field.type === 'string' ? field.type : 'unknown',
      acceptsMultipleValues: field.accepts_multiple_values === true,
    };
  });
  return { fields, hasMore: typeof body.has_more === 'boolean' ? body.has_more : undefined };
}

/** The record key of a custom field, as search returns it when asked for by that name: `custom.<id>`. */
export function customFieldKey(id: string): string {
  return `custom.${id}`;
}

/** The id of a `custom.<id>` key. */
export function customFieldIdOf(key: string): string {
  return key.slice('custom.'.length);
}
