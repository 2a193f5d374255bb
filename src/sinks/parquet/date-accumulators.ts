import { makeData } from 'apache-arrow';
import type { Data, DateDay, TimestampMicrosecond } from 'apache-arrow';
import type { ColumnAccumulator } from './column-accumulator.js';
import { Int64Slots } from './int64-slots.js';
import { ValidityBitmap } from './validity-bitmap.js';
import { parseCalendarDateDays, parseIsoDateTimeMicros } from '../../time/iso-instant.js';

/** Calendar dates `YYYY-MM-DD`, stored as days since 1970-01-01; anything else is null. */
export class DateDayAccumulator implements ColumnAccumulator {
  private readonly validity: ValidityBitmap;
  private values: Int32Array;

  constructor(
    private readonly type: DateDay,
    capacity: number,
  ) {
    this.validity = new ValidityBitmap(capacity);
    this.values = new Int32Array(Math.max(8, capacity));
  }

  append(value: unknown): void {
    const days = typeof value === 'string' ? parseCalendarDateDays(value) : null;
    if (days === null) return this.validity.appendNull();
    const index = this.validity.length;
    if (index >= this.values.length) this.values = grownInt32(this.values, index);
    this.values[index] = days;
    this.validity.appendValid();
  }

  finish(): Data<DateDay> {
    const { length, nullCount } = this.validity;
    if (length > this.values.length) this.values = grownInt32(this.values, length - 1);
    return makeData({ type: this.type, length, nullCount, nullBitmap: this.validity.nullBitmap(), data: this.values.subarray(0, length) });
  }
}

/** ISO 8601 date-times (a zone or none, which means UTC), stored as UTC epoch microseconds; anything else is null. */
export class TimestampMicrosecondAccumulator implements ColumnAccumulator {
  private readonly validity: ValidityBitmap;
  private readonly slots: Int64Slots;

  constructor(
    private readonly type: TimestampMicrosecond,
    capacity: number,
  ) {
    this.validity = new ValidityBitmap(capacity);
    this.slots = new Int64Slots(capacity);
  }

  append(value: unknown): void {
    const micros = typeof value === 'string' ? parseIsoDateTimeMicros(value) : null;
    if (micros === null) return this.validity.appendNull();
    this.slots.setSafeInteger(this.validity.length, micros);
    this.validity.appendValid();
  }

  finish(): Data<TimestampMicrosecond> {
    const { length, nullCount } = this.validity;
    return makeData({ type: this.type, length, nullCount, nullBitmap: this.validity.nullBitmap(), data: this.slots.view(length) });
  }
}

function grownInt32(values: Int32Array, index: number): Int32Array {
  const grown = new Int32Array(Math.max(index + 1, values.length * 2));
  grown.set(values);
  return grown;
}
