/** What a gift query may name: its filter parameters (`GET /api/Gift/QueryOptions`) and its `sortBy` values. */
import { canonicalTimestamp } from './dotnet-timestamp.js';
import type { GiftFacts } from './gift-facts.js';
import { DATE_OPERATORS, ID_OPERATORS, type QueryParameter } from './query-parameter.js';
import type { SortOptions, SortOrder } from './sort-order.js';

/** The route that lists the gift parameters, named in the 400 for an unknown one. */
export const GIFT_OPTIONS_PATH = '/api/Gift/QueryOptions';

/**
 * The name of the gift id parameter (a mode): gift parameter names are not published, a catalogue of the
 * same family shows `Gift Id`, and organizations spell the contact id `Contact Id`, `Id` or `ContactId`
 * (the Query guide), so the id parameter may be spelt the same ways. An exporter must read it from QueryOptions.
 */
export const GIFT_ID_PARAMETERS = ['Gift Id', 'Id', 'GiftId'] as const;
export type GiftIdParameter = (typeof GIFT_ID_PARAMETERS)[number];

/** `2023-12-08T00:00:00` in the fixed-width form date filters compare (see `canonicalTimestamp`). */
const canonicalDate = (giftDate: string): string => `${giftDate}.0000000`;

/**
 * The gift parameters a QueryOptions fixture of the same family shows (docs/sources/virtuous.md, "Evidence:
 * beyond contacts"): the id with the operators real catalogues give id parameters, and the dates with the
 * contacts' date operators; `Last Modified DateTime UTC` reads the same instant as `Last Modified Date`.
 */
export function giftQueryParameters(idParameter: GiftIdParameter): readonly QueryParameter<GiftFacts>[] {
  return [
    {
      parameter: idParameter,
      type: 'Int',
      operators: ID_OPERATORS,
      valueOptions: [],
      reader: { kind: 'number', integer: true, isRecordId: true, read: (row) => row.id },
    },
    {
      parameter: 'Gift Date',
      type: 'Date',
      operators: DATE_OPERATORS,
      valueOptions: [],
      reader: { kind: 'date', read: (row) => canonicalDate(row.facts().giftDate) },
    },
    {
      parameter: 'Last Modified Date',
      type: 'Date',
      operators: DATE_OPERATORS,
      valueOptions: [],
      reader: { kind: 'date', read: (row) => canonicalTimestamp(row.facts().modified) },
    },
    {
      parameter: 'Last Modified DateTime UTC',
      type: 'Date',
      operators: DATE_OPERATORS,
      valueOptions: [],
      reader: { kind: 'date', read: (row) => canonicalTimestamp(row.facts().modified) },
    },
  ];
}

/**
 * The documented gift `sortBy` values (official), matched case-insensitively as the contacts' are. There is
 * no modification-date sort: any other value is a 400. Missing receipt dates and batches sort first, as
 * nulls do in an ascending SQL order.
 */
export const GIFT_SORT_ORDERS: SortOptions<GiftFacts> = {
  byName: new Map<string, SortOrder<GiftFacts>>([
    ['id', 'id'],
    ['amount', (facts) => facts.amountCents],
    ['giftdate', (facts) => facts.giftDate],
    ['receiptdate', (facts) => facts.receiptDate ?? ''],
    ['batch', (facts) => (facts.batch ?? '').toLowerCase()],
  ]),
  hint: 'Id, Amount, GiftDate, ReceiptDate or Batch',
};
