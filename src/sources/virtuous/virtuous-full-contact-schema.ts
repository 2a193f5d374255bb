import type { FieldType, RecordSchema } from '../../sinks/record-schema.js';
import { typedWithText } from './typed-with-text.js';

const int64: FieldType = { kind: 'int64' };
const utf8: FieldType = { kind: 'utf8' };
const bool: FieldType = { kind: 'bool' };
/** Virtuous sends 0 to 7 fractional digits (100 ns); Parquet keeps microseconds, the 7th digit is dropped. */
const timestamp: FieldType = { kind: 'timestamp', unit: 'microsecond' };
/** Money: Virtuous's display text ("$1,200", "$1,200.50") as DECIMAL(18,2), cents exact. */
const money: FieldType = { kind: 'decimal', precision: 18, scale: 2 };
/** A date Virtuous writes as a date-time at midnight ("2024-03-05T00:00:00"), as en-US M/D/YYYY ("3/5/2024", in a recorded real contact), or "Unavailable". */
const giftDate: FieldType = { kind: 'date', fromDateTime: true, monthDayYear: true };

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
 * `VirtuousFullContact` (items of `POST /api/Contact/Query/FullContact`), one column per key, except
 * that money (`lifeToDateGiving`, `yearToDateGiving`, `lastGiftAmount`: display text such as "$1,200")
 * is DECIMAL(18,2) and `lastGiftDate` (a date-time at midnight, M/D/YYYY, or "Unavailable") a DATE, each followed
 * by a `_text` column with the API's text. `createDateTimeUtc`/`modifiedDateTimeUtc` are UTC timestamps
 * in microseconds. `customCollections` has no fixed shape, so it is kept as JSON text. The record carries
 * no archived flag, so there is no such column.
 */
export const virtuousFullContactSchema: RecordSchema = {
  name: 'virtuous.full_contact',
  // 5 to 8 times the size of an abbreviated contact: with parts of 5,000 a Parquet worker reading 4 ranges at once peaks under 300 MB (docs/performance.md).
  partRows: 5000,
  fields: [
    { name: 'id', type: int64 },
    { name: 'contactType', type: utf8 },
    { name: 'isPrivate', type: bool },
    { name: 'name', type: utf8 },
    { name: 'informalName', type: utf8 },
    { name: 'description', type: utf8 },
    { name: 'website', type: utf8 },
    { name: 'address', type: address },
    ...typedWithText('lifeToDateGiving', money),
    ...typedWithText('yearToDateGiving', money),
    ...typedWithText('lastGiftAmount', money),
    ...typedWithText('lastGiftDate', giftDate),
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
