import type { Field, FieldType, RecordSchema } from '../record-schema.js';

const utf8: FieldType = { kind: 'utf8' };
const timestamp: FieldType = { kind: 'timestamp' };

function listOfStructs(fieldNames: readonly string[]): FieldType {
  return { kind: 'list', item: { kind: 'struct', fields: fieldNames.map((name) => ({ name, type: utf8 })) } };
}

/** A Close contact's regular fields (shared/docs/source-apis.md, "Contact object"). */
export const closeContactSchema: RecordSchema = {
  name: 'close.contact',
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
 * `closeContactSchema` plus one JSON column per custom field of the organization: the record key
 * `custom.cf_x` becomes the column `custom_cf_x` (a dot in a column name needs quoting in SQL).
 * Custom field values can be text, numbers, dates, or lists for multi-choice fields, hence JSON.
 */
export function closeContactSchemaWith(customFieldKeys: readonly string[]): RecordSchema {
  const customFields = [...new Set(customFieldKeys)].map((sourceKey): Field => {
    if (!sourceKey.startsWith('custom.')) throw new Error(`not a Close custom field key: "${sourceKey}"`);
    return { name: sourceKey.replaceAll('.', '_'), sourceKey, type: { kind: 'json' } };
  });
  return { name: closeContactSchema.name, fields: [...closeContactSchema.fields, ...customFields] };
}
