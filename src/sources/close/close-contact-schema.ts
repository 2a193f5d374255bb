import type { Field, FieldType, RecordSchema } from '../../sinks/record-schema.js';
import { closeCustomFieldColumnName, closeCustomFieldType, type CloseCustomFieldColumn } from './close-custom-field-columns.js';

const utf8: FieldType = { kind: 'utf8' };
/** Close sends microseconds (`2013-02-20T05:44:35.625000+00:00`): all of them are kept. */
const timestamp: FieldType = { kind: 'timestamp', unit: 'microsecond' };
/** Every search result carries `__object_type`, here always `contact`: no column, and not an unknown field. */
const OMITTED_KEYS = ['__object_type'];

function listOfStructs(fieldNames: readonly string[]): FieldType {
  return { kind: 'list', item: { kind: 'struct', fields: fieldNames.map((name) => ({ name, type: utf8 })) } };
}

/**
 * A Close contact's regular fields (docs/sources/close.md, "Evidence: contact object and custom fields").
 * Close has no archived contacts (a deleted contact is gone), so there is no archived column.
 */
export const closeContactSchema: RecordSchema = {
  name: 'close.contact',
  omittedKeys: OMITTED_KEYS,
  fields: [
    { name: 'id', type: utf8 },
    { name: 'lead_id', type: utf8 },
    { name: 'organization_id', type: utf8 },
    { name: 'name', type: utf8 },
    { name: 'display_name', type: utf8 },
    { name: 'title', type: utf8 },
    { name: 'emails', type: listOfStructs(['type', 'email']) },
    { name: 'phones', type: listOfStructs(['type', 'phone', 'phone_formatted', 'country']) },
    { name: 'urls', type: listOfStructs(['type', 'url']) },
    { name: 'date_created', type: timestamp },
    { name: 'date_updated', type: timestamp },
    { name: 'created_by', type: utf8 },
    { name: 'updated_by', type: utf8 },
  ],
};

/**
 * `closeContactSchema` plus one column per custom field key (`custom.<id>`): the record key becomes
 * the column `custom_<id>` (see `closeCustomFieldColumnName`), typed from the field's catalogue entry
 * (`closeCustomFieldType`: VARCHAR, DOUBLE, DATE, TIMESTAMPTZ, VARCHAR[]); a key without an entry
 * (a field the catalogue does not list, or a spec written before catalogues) is JSON text.
 */
export function closeContactSchemaWith(customFieldKeys: readonly string[], catalogue: readonly CloseCustomFieldColumn[] = []): RecordSchema {
  const byId = new Map(catalogue.map((field) => [field.id, field]));
  const seen = new Map<string, string>();
  const customFields = [...new Set(customFieldKeys)].map((sourceKey): Field => {
    if (!sourceKey.startsWith('custom.') || sourceKey.length === 'custom.'.length) throw new Error(`not a Close custom field key: "${sourceKey}"`);
    const id = sourceKey.slice('custom.'.length);
    const name = closeCustomFieldColumnName(id);
    const clash = seen.get(name);
    if (clash !== undefined) throw new Error(`Close custom fields "${clash}" and "${sourceKey}" would both be the column "${name}"`);
    seen.set(name, sourceKey);
    return { name, sourceKey, type: closeCustomFieldType(byId.get(id)) };
  });
  return { ...closeContactSchema, fields: [...closeContactSchema.fields, ...customFields] };
}
