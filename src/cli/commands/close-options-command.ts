import { readEnvironment, requireVariable } from '../../config/environment.js';
import type { FieldType } from '../../sinks/record-schema.js';
import { closeContactSchema } from '../../sinks/schemas/close-contact-schema.js';
import { closeCustomFieldColumnName, closeCustomFieldType } from '../../sinks/schemas/close-custom-field-columns.js';
import { CLOSE_CREDENTIAL_VARIABLE, CloseClient, closeBaseUrl } from '../../sources/close/close-client.js';
import { customFieldKey, type CloseCustomField } from '../../sources/close/close-custom-fields.js';

const BETA_NOTE =
  "Close marks its Contact Filtering API (POST /data/search/, which exports read) as beta: details of queries may change.";

/**
 * `bulk-export options --source close`: the contact's regular fields and the organization's contact
 * custom fields (`GET /custom_field/contact/`), with the `--fields` name and the Parquet column of each.
 */
export async function closeOptionsCommand(options: { json?: boolean }): Promise<void> {
  const environment = readEnvironment();
  const apiKey = requireVariable(environment.variables, CLOSE_CREDENTIAL_VARIABLE, 'the Close API key to list the contact custom fields with');
  const client = new CloseClient({ baseUrl: closeBaseUrl(environment.variables), apiKey });
  const catalogue = await client.listContactCustomFields();
  if (options.json) {
    const listing = {
      fields: closeContactSchema.fields.map((field) => ({ name: field.name, columnType: columnTypeName(field.type) })),
      customFields: catalogue.map((field) => ({
        id: field.id,
        name: field.name,
        type: field.type,
        acceptsMultipleValues: field.acceptsMultipleValues,
        key: customFieldKey(field.id),
        column: closeCustomFieldColumnName(field.id),
        columnType: columnTypeName(closeCustomFieldType(field)),
      })),
      beta: BETA_NOTE,
    };
    process.stdout.write(`${JSON.stringify(listing, null, 2)}\n`);
  } else {
    process.stdout.write(formatCloseOptions(catalogue));
  }
}

/** Two tables (regular fields; custom fields with their type and column) and how to choose among them. */
export function formatCloseOptions(catalogue: readonly CloseCustomField[]): string {
  const regular = table(
    ['FIELD', 'COLUMN TYPE'],
    closeContactSchema.fields.map((field) => [field.name, columnTypeName(field.type)]),
  );
  const custom = table(
    ['ID', 'NAME', 'TYPE', 'MULTIPLE', 'COLUMN', 'COLUMN TYPE'],
    catalogue.map((field) => [
      field.id,
      field.name,
      field.type,
      field.acceptsMultipleValues ? 'yes' : 'no',
      closeCustomFieldColumnName(field.id),
      columnTypeName(closeCustomFieldType(field)),
    ]),
  );
  return [
    'Contact fields:',
    regular,
    '',
    catalogue.length === 0 ? 'Contact custom fields: none (GET /custom_field/contact/ lists no field).' : `Contact custom fields (${catalogue.length}, GET /custom_field/contact/):`,
    ...(catalogue.length === 0 ? [] : [custom]),
    '',
    'Use: --fields name,emails,custom.<ID> (any of the above; "custom" = every custom field, the default with every contact field).',
    BETA_NOTE,
    '',
  ].join('\n');
}

/** How DuckDB shows the column's type. */
function columnTypeName(type: FieldType): string {
  switch (type.kind) {
    case 'int64':
      return 'BIGINT';
    case 'float64':
      return 'DOUBLE';
    case 'utf8':
      return 'VARCHAR';
    case 'bool':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMP WITH TIME ZONE';
    case 'date':
      return 'DATE';
    case 'json':
      return 'VARCHAR (JSON)';
    case 'struct':
      return `STRUCT(${type.fields.map((field) => `${field.name} ${columnTypeName(field.type)}`).join(', ')})`;
    case 'list':
      return `${columnTypeName(type.item)}[]`;
  }
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
