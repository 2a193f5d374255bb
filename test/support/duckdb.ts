import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
} from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';

// The parquet and json readers are statically linked into @duckdb/node-api; nothing is ever
// downloaded (the machines have no internet), so extension auto-install is switched off.
let connection: Promise<DuckDBConnection> | undefined;

function duckdb(): Promise<DuckDBConnection> {
  connection ??= DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' }).then((instance) => instance.connect());
  return connection;
}

/**
 * Runs `sql` on an in-memory DuckDB and returns the rows as plain values: BIGINT as a number when
 * safe (else a bigint), timestamps as ISO strings ending in Z, dates as YYYY-MM-DD, lists as arrays,
 * structs as objects, maps as [{key, value}], decimals as numbers.
 */
export async function queryDuckDB(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await (await duckdb()).runAndReadAll(sql);
  return reader.getRowObjects().map((row) => {
    const plain: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(row)) plain[column] = toPlain(value);
    return plain;
  });
}

/** The columns of a query's result, from `DESCRIBE <sql>`. */
export async function describeDuckDB(sql: string): Promise<{ column_name: string; column_type: string }[]> {
  const rows = await queryDuckDB(`DESCRIBE ${sql}`);
  return rows.map((row) => ({ column_name: String(row.column_name), column_type: String(row.column_type) }));
}

function toPlain(value: DuckDBValue): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'bigint') {
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
    }
    return value;
  }
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) return value.items.map(toPlain);
  if (value instanceof DuckDBStructValue) {
    const entries: Record<string, unknown> = {};
    for (const [name, entry] of Object.entries(value.entries)) entries[name] = toPlain(entry);
    return entries;
  }
  if (value instanceof DuckDBMapValue) {
    return value.entries.map((entry) => ({ key: toPlain(entry.key), value: toPlain(entry.value) }));
  }
  if (value instanceof DuckDBTimestampTZValue || value instanceof DuckDBTimestampValue) {
    return isoFromMicros(value.micros, value.toString());
  }
  if (value instanceof DuckDBTimestampMillisecondsValue) return isoFromMicros(value.millis * 1000n, value.toString());
  if (value instanceof DuckDBTimestampSecondsValue) return isoFromMicros(value.seconds * 1_000_000n, value.toString());
  if (value instanceof DuckDBTimestampNanosecondsValue) return isoFromMicros(value.nanos / 1000n, value.toString());
  if (value instanceof DuckDBDateValue) return value.toString();
  if (value instanceof DuckDBDecimalValue) return value.toDouble();
  if (value instanceof DuckDBBlobValue) return value.bytes;
  return value.toString();
}

/** `2023-11-30T14:20:56.353Z`, with 6 fractional digits when there are microseconds; infinities as DuckDB prints them. */
function isoFromMicros(micros: bigint, asPrinted: string): string {
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const date = new Date(Number(millis));
  if (Number.isNaN(date.getTime())) return asPrinted;
  const iso = date.toISOString();
  const subMillis = Number(micros - millis * 1000n);
  return subMillis === 0 ? iso : `${iso.slice(0, -1)}${String(subMillis).padStart(3, '0')}Z`;
}
