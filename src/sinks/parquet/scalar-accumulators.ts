import { makeData } from 'apache-arrow';
import type { Bool, Data, Float64, Int64, TimestampMillisecond, Utf8 } from 'apache-arrow';
import { refused, type ColumnAccumulator } from './column-accumulator.js';
import { Int64Slots, toInt64 } from './int64-slots.js';
import { parseIsoTimestampMillis } from '../../time/iso-timestamp.js';
import { Utf8ColumnWriter } from './utf8-column-writer.js';
import { ValidityBitmap } from './validity-bitmap.js';

/** Numbers and decimal strings that are int64s. */
export class Int64Accumulator implements ColumnAccumulator {
  private readonly validity: ValidityBitmap;
  private readonly slots: Int64Slots;

  constructor(
    private readonly type: Int64,
    capacity: number,
  ) {
    this.validity = new ValidityBitmap(capacity);
    this.slots = new Int64Slots(capacity);
  }

  append(value: unknown): unknown {
    const int64 = toInt64(value);
    if (int64 === null) return refused(this.validity, value);
    if (typeof int64 === 'number') this.slots.setSafeInteger(this.validity.length, int64);
    else this.slots.setBigInt(this.validity.length, int64);
    this.validity.appendValid();
    return undefined;
  }

  finish(): Data<Int64> {
    const { length, nullCount } = this.validity;
    return makeData({ type: this.type, length, nullCount, nullBitmap: this.validity.nullBitmap(), data: this.slots.view(length) });
  }
}

/** ISO 8601 strings (see iso-timestamp.ts) and valid Dates, stored as UTC epoch milliseconds. */
export class TimestampAccumulator implements ColumnAccumulator {
  private readonly validity: ValidityBitmap;
  private readonly slots: Int64Slots;

  constructor(
    private readonly type: TimestampMillisecond,
    capacity: number,
  ) {
    this.validity = new ValidityBitmap(capacity);
    this.slots = new Int64Slots(capacity);
  }

  append(value: unknown): unknown {
    const millis = typeof value === 'string' ? parseIsoTimestampMillis(value) : value instanceof Date ? validDateMillis(value) : null;
    if (millis === null) return refused(this.validity, value);
    this.slots.setSafeInteger(this.validity.length, millis);
    this.validity.appendValid();
    return undefined;
  }

  finish(): Data<TimestampMillisecond> {
    const { length, nullCount } = this.validity;
    return makeData({ type: this.type, length, nullCount, nullBitmap: this.validity.nullBitmap(), data: this.slots.view(length) });
  }
}

/** Numbers and numeric strings. */
export class Float64Accumulator implements ColumnAccumulator {
  private readonly validity: ValidityBitmap;
  private values: Float64Array;

  constructor(
    private readonly type: Float64,
    capacity: number,
  ) {
    this.validity = new ValidityBitmap(capacity);
    this.values = new Float64Array(Math.max(8, capacity));
  }

  append(value: unknown): unknown {
    const number = typeof value === 'number' ? value : typeof value === 'string' ? parseDecimal(value) : null;
    if (number === null) return refused(this.validity, value);
    const index = this.validity.length;
    if (index >= this.values.length) this.values = grownFloat64(this.values, index);
    this.values[index] = number;
    this.validity.appendValid();
    return undefined;
  }

  finish(): Data<Float64> {
    const { length, nullCount } = this.validity;
    if (length > this.values.length) this.values = grownFloat64(this.values, length - 1);
    return makeData({
      type: this.type,
      length,
      nullCount,
      nullBitmap: this.validity.nullBitmap(),
      data: this.values.subarray(0, length),
    });
  }
}

/** Booleans and the strings "true" / "false". */
export class BoolAccumulator implements ColumnAccumulator {
  private readonly validity: ValidityBitmap;
  private bits: Uint8Array;

  constructor(
    private readonly type: Bool,
    capacity: number,
  ) {
    this.validity = new ValidityBitmap(capacity);
    this.bits = new Uint8Array(Math.max(8, (capacity + 7) >> 3));
  }

  append(value: unknown): unknown {
    const flag = value === true || value === 'true' ? true : value === false || value === 'false' ? false : null;
    if (flag === null) return refused(this.validity, value);
    const index = this.validity.length;
    if (index >> 3 >= this.bits.length) this.bits = grownBytes(this.bits, index >> 3);
    if (flag) this.bits[index >> 3]! |= 1 << (index & 7);
    this.validity.appendValid();
    return undefined;
  }

  finish(): Data<Bool> {
    const { length, nullCount } = this.validity;
    const byteLength = (length + 7) >> 3;
    if (byteLength > this.bits.length) this.bits = grownBytes(this.bits, byteLength - 1);
    return makeData({
      type: this.type,
      length,
      nullCount,
      nullBitmap: this.validity.nullBitmap(),
      data: this.bits.subarray(0, byteLength),
    });
  }
}

/** Strings as they are; other scalars as their String(); objects and arrays as their JSON text. */
export class Utf8Accumulator implements ColumnAccumulator {
  private readonly writer: Utf8ColumnWriter;

  constructor(
    private readonly type: Utf8,
    capacity: number,
  ) {
    this.writer = new Utf8ColumnWriter(capacity);
  }

  append(value: unknown): unknown {
    if (typeof value === 'string') this.writer.appendString(value);
    else if (value === null || value === undefined) this.writer.appendNull();
    else if (typeof value === 'object') this.writer.appendString(JSON.stringify(value));
    else this.writer.appendString(String(value));
    return undefined;
  }

  finish(): Data<Utf8> {
    return utf8Data(this.type, this.writer);
  }
}

/** Any JSON value as its JSON text; undefined and null are null. */
export class JsonAccumulator implements ColumnAccumulator {
  private readonly writer: Utf8ColumnWriter;

  constructor(
    private readonly type: Utf8,
    capacity: number,
  ) {
    this.writer = new Utf8ColumnWriter(capacity);
  }

  append(value: unknown): unknown {
    const text = value === null || value === undefined ? undefined : (JSON.stringify(value) as string | undefined);
    if (text === undefined) this.writer.appendNull();
    else this.writer.appendString(text);
    return undefined;
  }

  finish(): Data<Utf8> {
    return utf8Data(this.type, this.writer);
  }
}

function utf8Data(type: Utf8, writer: Utf8ColumnWriter): Data<Utf8> {
  return makeData({
    type,
    length: writer.length,
    nullCount: writer.validity.nullCount,
    nullBitmap: writer.validity.nullBitmap(),
    valueOffsets: writer.valueOffsets(),
    data: writer.valueBytes(),
  });
}

function validDateMillis(date: Date): number | null {
  const millis = date.getTime();
  return Number.isNaN(millis) ? null : millis;
}

function parseDecimal(text: string): number | null {
  if (text.trim() === '') return null;
  const number = Number(text);
  return Number.isNaN(number) ? null : number;
}

function grownFloat64(values: Float64Array, index: number): Float64Array {
  const grown = new Float64Array(Math.max(index + 1, values.length * 2));
  grown.set(values);
  return grown;
}

function grownBytes(bytes: Uint8Array, index: number): Uint8Array {
  const grown = new Uint8Array(Math.max(index + 1, bytes.length * 2));
  grown.set(bytes);
  return grown;
}
