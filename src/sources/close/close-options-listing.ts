import { columnTypeName } from '../../sinks/column-type-name.js';
import type { OptionsListing } from '../source-definition.js';
import { closeContactSchema } from './close-contact-schema.js';
import { closeCustomFieldColumnName, closeCustomFieldType } from './close-custom-field-columns.js';
import { customFieldKey, type CloseCustomField } from './close-custom-fields.js';

const BETA_NOTE = 'Close marks its Contact Filtering API (POST /data/search/, which exports read) as beta: details of queries may change.';

/**
 * `bulk-export options --source close`: the contact's regular fields and the organization's contact
 * custom fields (`GET /custom_field/contact/`), with the `--fields` name and the Parquet column of each.
 */
export function closeOptionsListing(catalogue: readonly CloseCustomField[]): OptionsListing {
  const regular = closeContactSchema.fields.map((field) => ({ name: field.name, columnType: columnTypeName(field.type) }));
  const custom = catalogue.map((field) => ({
    id: field.id,
    name: field.name,
    type: field.type,
    acceptsMultipleValues: field.acceptsMultipleValues,
    key: customFieldKey(field.id),
    column: closeCustomFieldColumnName(field.id),
    columnType: columnTypeName(closeCustomFieldType(field)),
  }));
  return {
    json: { fields: regular, customFields: custom, beta: BETA_NOTE },
    tables: [
      { title: 'Contact fields:', header: ['FIELD', 'COLUMN TYPE'], rows: regular.map((field) => [field.name, field.columnType]) },
      ...(custom.length === 0
        ? []
        : [
            {
              title: `Contact custom fields (${custom.length}, GET /custom_field/contact/):`,
              header: ['ID', 'NAME', 'TYPE', 'MULTIPLE', 'COLUMN', 'COLUMN TYPE'],
              rows: custom.map((field) => [
                field.id,
                field.name,
                field.type,
                field.acceptsMultipleValues ? 'yes' : 'no',
                field.column,
                field.columnType,
              ]),
            },
          ]),
    ],
    notes: [
      ...(custom.length === 0 ? ['Contact custom fields: none (GET /custom_field/contact/ lists no field).'] : []),
      'Use: --fields name,emails,custom.<ID> (any of the above; "custom" = every custom field, the default with every contact field).',
      BETA_NOTE,
    ],
  };
}
