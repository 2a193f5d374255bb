import type { Field, FieldType, RecordSchema } from '../../sinks/record-schema.js';
import { typedWithText } from './typed-with-text.js';

const int64: FieldType = { kind: 'int64' };
const utf8: FieldType = { kind: 'utf8' };
/** Gift timestamps were seen with a `Z` and 7 fractional digits; Parquet keeps microseconds. */
const timestamp: FieldType = { kind: 'timestamp', unit: 'microsecond' };
/** `amount` is a JSON number (`10.5`): exact to the cent as DECIMAL(18,2); more decimals (a converted currency) stay in the text. */
const money: FieldType = { kind: 'decimal', precision: 18, scale: 2 };
/** `giftDate`: a date-time at midnight, or en-US M/D/YYYY as the formatted dates of a recorded gift. */
const giftDate: FieldType = { kind: 'date', fromDateTime: true, monthDayYear: true };

/** The fields of an abbreviated gift (docs/sources/virtuous.md, "Evidence: beyond contacts"), which a full one has too. */
const abbreviatedFields: Field[] = [
  { name: 'id', type: int64 },
  { name: 'contactId', type: int64 },
  { name: 'contactIndividualId', type: int64 },
  { name: 'giftType', type: utf8 },
  ...typedWithText('giftDate', giftDate),
  ...typedWithText('amount', money),
  { name: 'segment', type: utf8 },
  { name: 'batch', type: utf8 },
  { name: 'giftUrl', type: utf8 },
  { name: 'culture', type: utf8 },
  { name: 'exchangeRate', type: { kind: 'float64' } },
];

/** Items of `POST /api/Gift/Query`: `amount` as DECIMAL(18,2) and `giftDate` as DATE, each beside its text. */
export const virtuousAbbreviatedGiftSchema: RecordSchema = {
  name: 'virtuous.gift',
  fields: abbreviatedFields,
};

/**
 * Items of `POST /api/Gift/Query/FullGift`: the abbreviated gift's columns, then the timestamps (UTC,
 * microseconds), `transactionSource`, `transactionId`, and `giftDesignations` as JSON text (the evidence
 * names the list, not its items' keys). Any other field, at any depth, is kept in `_extra`.
 */
export const virtuousFullGiftSchema: RecordSchema = {
  name: 'virtuous.full_gift',
  fields: [
    ...abbreviatedFields,
    { name: 'createDateTimeUtc', type: timestamp },
    { name: 'modifiedDateTimeUtc', type: timestamp },
    { name: 'transactionSource', type: utf8 },
    { name: 'transactionId', type: utf8 },
    { name: 'giftDesignations', type: { kind: 'json' } },
  ],
};
