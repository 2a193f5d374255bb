/**
 * A small typed description of the rows a source produces, from which the Parquet encoder builds
 * Arrow columns directly. Every column is nullable; a missing key reads as null.
 */
export type FieldType =
  | { kind: 'int64' }
  | { kind: 'float64' }
  | { kind: 'utf8' }
  | { kind: 'bool' }
  /**
   * A timestamp string (ISO 8601, with or without a zone; without one it means UTC) stored as UTC
   * milliseconds, or microseconds with `unit: 'microsecond'` (for values whose source keeps them).
   */
  | { kind: 'timestamp'; unit?: 'millisecond' | 'microsecond' }
  /**
   * A calendar date `YYYY-MM-DD`, stored as days since 1970-01-01 (Parquet DATE). With `fromDateTime`,
   * also an ISO 8601 date-time (`2024-03-05T00:00:00`, how .NET APIs write a date), of which the
   * calendar day as written is kept; with `monthDayYear`, also en-US `M/D/YYYY` (`9/4/1998`, `3/1/2024`).
   */
  | { kind: 'date'; fromDateTime?: boolean; monthDayYear?: boolean }
  /**
   * An exact decimal (Arrow Decimal128, Parquet DECIMAL(precision, scale); precision at most 18) from a
   * number or from money text: `1200.5`, `"$1,200"`, `"$1,200.50"`, `"-$5.00"`, `"($5.00)"`. Anything else
   * (`""`, `"Unavailable"`, another currency sign, more fractional digits than `scale`) is null.
   */
  | { kind: 'decimal'; precision: number; scale: number }
  /** Any JSON value, stored as its JSON text (for free-form nested data). */
  | { kind: 'json' }
  | { kind: 'struct'; fields: readonly Field[] }
  | { kind: 'list'; item: FieldType };

export interface Field {
  /** Column name in the output. */
  name: string;
  /** Key in the source record when it differs from `name` (e.g. `custom.cf_x`, not a valid column name). */
  sourceKey?: string;
  type: FieldType;
}

export interface RecordSchema {
  /** Stable name, written to the manifest. */
  name: string;
  fields: readonly Field[];
  /**
   * Keys every record carries that are deliberately no column, their value being implied (Close's
   * `__object_type`, always `contact`): Parquet parts neither store them nor count them as unknown fields.
   */
  omittedKeys?: readonly string[];
  /**
   * Rows per part when `--part-rows` is not given, for records much larger than most (a part's columns
   * are held in memory while it fills, once per range a worker reads at once); default `DEFAULT_PART_ROWS`.
   */
  partRows?: number;
}

/** A record as the API gave it (a parsed JSON object); the schema's fields name its keys. */
export type RecordRow = Record<string, unknown>;
