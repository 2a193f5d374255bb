import { makeData } from 'apache-arrow';
import type { Data, DateDay, TimestampMicrosecond } from 'apache-arrow';
import type { ColumnAccumulator } from './column-accumulator.js';
import { Int64Slots } from './int64-slots.js';
import { ValidityBitmap } from './validity-bitmap.js';

const MILLIS_PER_DAY = 86_400_000;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

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

/** Days since 1970-01-01 of a valid `YYYY-MM-DD`, or null. */
export function parseCalendarDateDays(text: string): number | null {
  const match = CALENDAR_DATE.exec(text);
  if (!match) return null;
  const millis = utcDayMillis(Number(match[1]), Number(match[2]), Number(match[3]));
  return millis === null ? null : millis / MILLIS_PER_DAY;
}

/**
 * Microseconds since the epoch of an ISO 8601 date-time with seconds optional, 0 to 9 fractional
 * digits (beyond six truncated) and a zone (`Z`, `+HH`, `+HHMM`, `+HH:MM`; none means UTC), or null.
 */
export function parseIsoDateTimeMicros(text: string): number | null {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second = '0', fraction = '', zone] = match;
  const dayMillis = utcDayMillis(Number(year), Number(month), Number(day));
  if (dayMillis === null || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return null;
  let offsetMinutes = 0;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 23 || minutes > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  const wholeMillis = dayMillis + ((Number(hour) * 60 + Number(minute) - offsetMinutes) * 60 + Number(second)) * 1000;
  const micros = wholeMillis * 1000 + Number(fraction.slice(0, 6).padEnd(6, '0'));
  return Number.isSafeInteger(micros) ? micros : null;
}

/** Epoch milliseconds of midnight UTC of a real calendar day (years 0-99 included, which Date.UTC would shift), or null. */
function utcDayMillis(year: number, month: number, day: number): number | null {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.getTime();
}

function grownInt32(values: Int32Array, index: number): Int32Array {
  const grown = new Int32Array(Math.max(index + 1, values.length * 2));
  grown.set(values);
  return grown;
}
