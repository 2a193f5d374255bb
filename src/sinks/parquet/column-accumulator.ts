import type { Data } from 'apache-arrow';

/**
 * Collects the values of one Arrow column, one row at a time (rows are visited once each, which
 * keeps every row's objects in cache while all its columns are read), then hands over its data.
 * Any value that is missing, null or does not fit the column's type is appended as null.
 */
export interface ColumnAccumulator {
  append(value: unknown): void;
  /** The column's Arrow data; call once, after the last append. */
  finish(): Data;
}
