import type { Data } from 'apache-arrow';
import type { ValidityBitmap } from './validity-bitmap.js';

/**
 * Collects the values of one Arrow column, one row at a time (rows are visited once each, which
 * keeps every row's objects in cache while all its columns are read), then hands over its data.
 * Any value that is missing, null or does not fit the column's type is appended as null.
 */
export interface ColumnAccumulator {
  /**
   * Appends one row's value and returns what of it the column does not hold, in the value's shape, for the
   * row's `_extra`: undefined when it holds all of it (a missing or null value included); the value itself
   * when the column's type cannot hold it; for a struct, its keys the type does not name and what its
   * fields could not hold; for a list, an array of its items' leftovers (null for an item held whole).
   */
  append(value: unknown): unknown;
  /** The column's Arrow data; call once, after the last append. */
  finish(): Data;
}

/**
 * Appends null for a value the column's type cannot hold, and returns the value for the row's `_extra`
 * (undefined for a missing or null one, which the null says).
 */
export function refused(validity: ValidityBitmap, value: unknown): unknown {
  validity.appendNull();
  return value === null ? undefined : value;
}
