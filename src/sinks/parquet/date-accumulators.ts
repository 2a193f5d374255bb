import { makeData } from 'apache-arrow';
import type { Data, DateDay, TimestampMicrosecond } from 'apache-arrow';
import { refused, type ColumnAccumulator } from './column-accumulator.js';
import { Int64Slots } from './int64-slots.js';
import { ValidityBitmap } from './validity-bitmap.js';
import { parseCalendarDateDays, parseIsoDateTimeMicros, parseIsoMicros } from '../../time/iso-instant.js';
import { parseIsoTimestampMillis } from '../../time/iso-timestamp.js';

/** The forms a date column reads besides `YYYY-MM-DD` (see the `date` field type). */
export interface DateForms {
  fromDateTime?: boolean;
  monthDayYear?: boolean;
}

/**
 * Calendar dates `YYYY-MM-DD`, stored as days since 1970-01-01; with `fromDateTime`, also the calendar
 * day of an ISO 8601 date-time as written (`2024-03-05T00:00:00` is 2024-03-05); with `monthDayYear`, also
 * en-US `M/D/YYYY`; anything else is null.
 */
export class DateDayAccumulator implements ColumnAccumulator {
  private readonly validity: ValidityBitmap;
  private values: Int32Array;

  constructor(
    private readonly type: DateDay,
    capacity: number,
    private readonly formats: DateForms = {},
  ) {
    this.validity = new ValidityBitmap(capacity);
    this.values = new Int32Array(Math.max(8, capacity));
  }

  append(value: unknown): unknown {
    const days = typeof value === 'string' ? this.daysOf(value) : null;
    if (days === null) return refused(this.validity, value);
    const index = this.validity.length;
    if (index >= this.values.length) this.values = grownInt32(this.values, index);
    this.values[index] = days;
    this.validity.appendValid();
    return undefined;
  }

  private daysOf(text: string): number | null {
    const days = this.formats.fromDateTime === true ? writtenCalendarDays(text) : parseCalendarDateDays(text);
    return days === null && this.formats.monthDayYear === true ? monthDayYearDays(text) : days;
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

  append(value: unknown): unknown {
    const micros = typeof value === 'string' ? isoDateTimeMicros(value) : null;
    if (micros === null) return refused(this.validity, value);
    if (typeof micros === 'number') this.slots.setSafeInteger(this.validity.length, micros);
    else this.slots.setBigInt(this.validity.length, micros);
    this.validity.appendValid();
    return undefined;
  }

  finish(): Data<TimestampMicrosecond> {
    const { length, nullCount } = this.validity;
    return makeData({ type: this.type, length, nullCount, nullBitmap: this.validity.nullBitmap(), data: this.slots.view(length) });
  }
}

/**
 * Microseconds since the epoch of an ISO 8601 date-time (not a date alone; a zone or none, which means
 * UTC; beyond six fractional digits they are truncated), as `parseIsoDateTimeMicros` reads it, but fast
 * for what APIs send: the hand-written millisecond parser plus the fraction's 4th to 6th digits. What
 * that refuses (surrounding spaces, say) goes to the exact parser. A bigint beyond 2^53 µs (after 2255).
 */
export function isoDateTimeMicros(text: string): number | bigint | null {
  if (text.length > 10) {
    const millis = parseIsoTimestampMillis(text);
    if (millis !== null) {
      const micros = millis * 1000 + subMillisecondMicros(text);
      return Number.isSafeInteger(micros) ? micros : BigInt(millis) * 1000n + BigInt(subMillisecondMicros(text));
    }
  }
  return parseIsoDateTimeMicros(text);
}

/** The microseconds within the millisecond of a date-time that `parseIsoTimestampMillis` accepted. */
function subMillisecondMicros(text: string): number {
  const mark = text.charCodeAt(19);
  if (mark !== 46 /* . */ && mark !== 44 /* , */) return 0;
  let micros = 0;
  for (let digit = 0; digit < 6; digit++) {
    const code = text.charCodeAt(20 + digit);
    if (!(code >= 48 && code <= 57)) break;
    if (digit >= 3) micros += (code - 48) * (digit === 3 ? 100 : digit === 4 ? 10 : 1);
  }
  return micros;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD`, or of the day written at the start of a valid ISO 8601 date-time; else null. */
function writtenCalendarDays(text: string): number | null {
  if (text.length === 10) return parseCalendarDateDays(text);
  const valid = parseIsoTimestampMillis(text) !== null || parseIsoMicros(text) !== null;
  return valid ? parseCalendarDateDays(text.trim().slice(0, 10)) : null;
}

function grownInt32(values: Int32Array, index: number): Int32Array {
  const grown = new Int32Array(Math.max(index + 1, values.length * 2));
  grown.set(values);
  return grown;
}

/** `M/D/YYYY` as en-US writes a date (`9/4/1998` is 1998-09-04; one or two digits for month and day): days since 1970-01-01, else null. */
function monthDayYearDays(text: string): number | null {
  const match = MONTH_DAY_YEAR.exec(text);
  if (!match) return null;
  return parseCalendarDateDays(`${match[3]}-${match[1]!.padStart(2, '0')}-${match[2]!.padStart(2, '0')}`);
}

const MONTH_DAY_YEAR = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
