import type { CloseCatalog, CustomFieldDefinition } from './close-catalog.js';
import { parseIsoMicros, parseLocalDateMicros } from './close-timestamp.js';
import type { ContactRow } from './contact-row.js';
import type { CloseAddress, LeadFacts } from './lead-generator.js';

/**
 * How a field's value reads for conditions: `datetime` and `date` values read as microseconds,
 * multi-valued fields as lists, `reference`/`user` as object ids (a `contact` custom field is a
 * reference to contacts), `hidden` as whatever was stored.
 */
export type ValueKind = 'text' | 'number' | 'date' | 'datetime' | 'choices' | 'user' | 'reference' | 'hidden';

export interface FieldAccess {
  kind: ValueKind;
  /** The contact's own number, date and text fields; see sort-spec.ts. */
  sortable?: boolean;
  read(target: unknown): unknown;
}

export interface Relation {
  objectType: string;
  items(target: unknown): readonly unknown[];
}

export interface ObjectSchema {
  objectType: string;
  fields: ReadonlyMap<string, FieldAccess>;
  customFields: ReadonlyMap<string, FieldAccess>;
  relations: ReadonlyMap<string, Relation>;
  /** Values the `text` query searches. */
  searchText(target: unknown): string[];
  /** For the `id` query; absent when the object type has no id in the simulator. */
  idOf?(target: unknown): string;
}

/** Object types the query language knows; only contacts are returned, the rest are related objects. */
export const KNOWN_OBJECT_TYPES = new Set([
  'contact',
  'lead',
  'opportunity',
  'task',
  'activity',
  'user',
  'custom_object',
  'contact_email',
  'contact_phone',
  'contact_url',
  'address',
]);

type Row = ContactRow;

export function buildSchemas(catalog: CloseCatalog): ReadonlyMap<string, ObjectSchema> {
  const contact: ObjectSchema = {
    objectType: 'contact',
    fields: new Map<string, FieldAccess>([
      ['id', { kind: 'reference', read: (row) => (row as Row).id() }],
      ['name', textField((row) => (row as Row).field('name'), true)],
      ['display_name', textField((row) => (row as Row).field('display_name'), true)],
      ['title', textField((row) => (row as Row).field('title'), true)],
      ['date_created', { kind: 'datetime', sortable: true, read: (row) => (row as Row).createdMicros }],
      ['date_updated', { kind: 'datetime', sortable: true, read: (row) => (row as Row).updatedMicros() }],
      ['created_by', { kind: 'user', read: (row) => (row as Row).field('created_by') }],
      ['updated_by', { kind: 'user', read: (row) => (row as Row).field('updated_by') }],
      ['lead_id', { kind: 'reference', read: (row) => (row as Row).field('lead_id') }],
      ['emails_count', countField('emails')],
      ['phones_count', countField('phones')],
      ['urls_count', countField('urls')],
    ]),
    customFields: customFieldAccess(catalog.contactFields, (row, id) => (row as Row).field(`custom.${id}`)),
    relations: new Map<string, Relation>([
      ['lead', { objectType: 'lead', items: (row) => [(row as Row).lead()] }],
      ['contact_email', { objectType: 'contact_email', items: (row) => listOf((row as Row).field('emails')) }],
      ['contact_phone', { objectType: 'contact_phone', items: (row) => listOf((row as Row).field('phones')) }],
      ['contact_url', { objectType: 'contact_url', items: (row) => listOf((row as Row).field('urls')) }],
    ]),
    searchText: (row) => {
      const contact = row as Row;
      return [contact.field('name'), contact.field('title'), ...listOf(contact.field('emails')).map((email) => propertyOf(email, 'email'))].filter(
        (value): value is string => typeof value === 'string',
      );
    },
    idOf: (row) => (row as Row).id(),
  };

  const lead: ObjectSchema = {
    objectType: 'lead',
    fields: new Map<string, FieldAccess>([
      ['id', { kind: 'reference', read: (lead) => (lead as LeadFacts).id }],
      ['display_name', textField((lead) => (lead as LeadFacts).display_name)],
      ['description', textField((lead) => (lead as LeadFacts).description)],
      ['url', textField((lead) => (lead as LeadFacts).url)],
      ['status_id', { kind: 'reference', read: (lead) => (lead as LeadFacts).status_id }],
      ['status_label', textField((lead) => (lead as LeadFacts).status_label)],
      ['created_by', { kind: 'user', read: (lead) => (lead as LeadFacts).created_by }],
      ['updated_by', { kind: 'user', read: (lead) => (lead as LeadFacts).updated_by }],
      ['date_created', { kind: 'datetime', read: (lead) => (lead as LeadFacts).createdMicros }],
      ['date_updated', { kind: 'datetime', read: (lead) => (lead as LeadFacts).updatedMicros }],
      ['addresses_count', { kind: 'number', read: (lead) => (lead as LeadFacts).addresses.length }],
      ['all_urls_count', { kind: 'number', read: (lead) => ((lead as LeadFacts).url ? 1 : 0) }],
    ]),
    customFields: customFieldAccess(catalog.leadFields, (lead, id) => (lead as LeadFacts).custom[id]),
    relations: new Map<string, Relation>([['address', { objectType: 'address', items: (lead) => (lead as LeadFacts).addresses }]]),
    searchText: (lead) => [(lead as LeadFacts).display_name, (lead as LeadFacts).description],
    idOf: (lead) => (lead as LeadFacts).id,
  };

  const plain = (objectType: string, names: readonly string[], searched: readonly string[]): ObjectSchema => ({
    objectType,
    fields: new Map(names.map((name) => [name, textField((item) => propertyOf(item, name))])),
    customFields: new Map(),
    relations: new Map(),
    searchText: (item) => searched.map((name) => propertyOf(item, name)).filter((value): value is string => typeof value === 'string'),
  });

  return new Map<string, ObjectSchema>([
    ['contact', contact],
    ['lead', lead],
    ['contact_email', plain('contact_email', ['email', 'type'], ['email'])],
    ['contact_phone', plain('contact_phone', ['phone', 'type'], ['phone', 'phone_formatted'])],
    ['contact_url', plain('contact_url', ['url', 'type'], ['url'])],
    ['address', addressSchema(plain)],
  ]);
}

function addressSchema(plain: (objectType: string, names: readonly string[], searched: readonly string[]) => ObjectSchema): ObjectSchema {
  const names: (keyof CloseAddress)[] = ['address_1', 'address_2', 'city', 'state', 'zipcode', 'country'];
  const schema = plain('address', names, names);
  const fields = new Map(schema.fields);
  fields.set(
    'location',
    textField((item) => {
      const address = item as CloseAddress;
      return [address.address_1, address.address_2, address.city, address.state, address.zipcode, address.country].filter(Boolean).join(', ');
    }),
  );
  fields.set(
    'type',
    textField((item) => (item as CloseAddress).label),
  );
  return { ...schema, fields };
}

function textField(read: (target: unknown) => unknown, sortable = false): FieldAccess {
  return { kind: 'text', sortable, read };
}

function countField(key: string): FieldAccess {
  return { kind: 'number', sortable: true, read: (row) => listOf((row as Row).field(key)).length };
}

function customFieldAccess(
  definitions: readonly CustomFieldDefinition[],
  raw: (target: unknown, id: string) => unknown,
): ReadonlyMap<string, FieldAccess> {
  return new Map(
    definitions.map((definition): [string, FieldAccess] => {
      const { id, type } = definition;
      if (type === 'date') return [id, { kind: type, read: (target) => asMicros(raw(target, id), parseLocalDateMicros) }];
      if (type === 'datetime') return [id, { kind: type, read: (target) => asMicros(raw(target, id), parseIsoMicros) }];
      return [id, { kind: type === 'contact' ? 'reference' : type, read: (target) => raw(target, id) }];
    }),
  );
}

function asMicros(value: unknown, parse: (text: string) => number | undefined): number | null {
  if (typeof value === 'number') return value;
  return typeof value === 'string' ? (parse(value) ?? null) : null;
}

function listOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function propertyOf(item: unknown, key: string): unknown {
  return typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[key] : undefined;
}
