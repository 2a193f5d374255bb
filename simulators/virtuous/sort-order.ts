/**
 * How a query's `sortBy` orders records: by id (`'id'`, the index order, which the executor pages without
 * generating records) or by a key read from each record's facts, ties broken by id so that paging is stable.
 */
export type SortOrder<Facts> = 'id' | ((facts: Facts) => string | number);

/** The `sortBy` values a record type accepts (matched case-insensitively, as ASP.NET binds them) and their orders. */
export interface SortOptions<Facts> {
  /** Lower-cased `sortBy` value -> the order it names. */
  byName: ReadonlyMap<string, SortOrder<Facts>>;
  /** The accepted values as the 400 for another one lists them, e.g. `Id, Amount, GiftDate, ReceiptDate or Batch`. */
  hint: string;
}
