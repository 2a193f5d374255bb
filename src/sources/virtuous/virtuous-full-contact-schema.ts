import type { FieldType, RecordSchema } from '../../sinks/record-schema.js';

const int64: FieldType = { kind: 'int64' };
const utf8: FieldType = { kind: 'utf8' };
const bool: FieldType = { kind: 'bool' };
const timestamp: FieldType = { kind: 'timestamp' };

const address: FieldType = {
  kind: 'struct',
  fields: [
    { name: 'id', type: int64 },
    { name: 'label', type: utf8 },
    { name: 'address1', type: utf8 },
    { name: 'address2', type: utf8 },
    { name: 'city', type: utf8 },
    { name: 'state', type: utf8 },
    { name: 'postal', type: utf8 },
    { name: 'country', type: utf8 },
    { name: 'isPrimary', type: bool },
  ],
};

const contactMethod: FieldType = {
  kind: 'struct',
  fields: [
    { name: 'id', type: int64 },
    { name: 'type', type: utf8 },
    { name: 'value', type: utf8 },
    { name: 'isOptedIn', type: bool },
    { name: 'isPrimary', type: bool },
  ],
};

const contactIndividual: FieldType = {
  kind: 'struct',
  fields: [
    { name: 'id', type: int64 },
    { name: 'contactId', type: int64 },
    { name: 'prefix', type: utf8 },
    { name: 'firstName', type: utf8 },
    { name: 'middleName', type: utf8 },
    { name: 'lastName', type: utf8 },
    { name: 'suffix', type: utf8 },
    { name: 'isPrimary', type: bool },
    { name: 'isDeceased', type: bool },
    { name: 'contactMethods', type: { kind: 'list', item: contactMethod } },
  ],
};

const contactReference: FieldType = {
  kind: 'struct',
  fields: [
    { name: 'source', type: utf8 },
    { name: 'id', type: utf8 },
  ],
};

const customField: FieldType = {
  kind: 'struct',
  fields: [
    { name: 'name', type: utf8 },
    { name: 'value', type: utf8 },
    { name: 'displayName', type: utf8 },
  ],
};

/**
 * `VirtuousFullContact` (items of `POST /api/Contact/Query/FullContact`), one column per key.
 * Money stays as Virtuous's display strings ("$1,200") and `lastGiftDate` as its raw text, because
 * it can be "Unavailable". `customCollections` has no fixed shape, so it is kept as JSON text.
 */
export const virtuousFullContactSchema: RecordSchema = {
  name: 'virtuous.full_contact',
  fields: [
    { name: 'id', type: int64 },
    { name: 'contactType', type: utf8 },
    { name: 'isPrivate', type: bool },
    { name: 'name', type: utf8 },
    { name: 'informalName', type: utf8 },
    { name: 'description', type: utf8 },
    { name: 'website', type: utf8 },
    { name: 'address', type: address },
    { name: 'lifeToDateGiving', type: utf8 },
    { name: 'yearToDateGiving', type: utf8 },
    { name: 'lastGiftAmount', type: utf8 },
    { name: 'lastGiftDate', type: utf8 },
    { name: 'contactIndividuals', type: { kind: 'list', item: contactIndividual } },
    { name: 'contactReferences', type: { kind: 'list', item: contactReference } },
    { name: 'tags', type: { kind: 'list', item: utf8 } },
    { name: 'organizationGroups', type: { kind: 'list', item: utf8 } },
    { name: 'customFields', type: { kind: 'list', item: customField } },
    { name: 'customCollections', type: { kind: 'json' } },
    { name: 'mergedIntoContactId', type: int64 },
    { name: 'createDateTimeUtc', type: timestamp },
    { name: 'modifiedDateTimeUtc', type: timestamp },
  ],
};
