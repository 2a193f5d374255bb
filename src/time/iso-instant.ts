/**
 * ISO 8601 instants and calendar dates as numbers, for comparing and storing them: microseconds since
 * the Unix epoch (a double holds them exactly until the year 2255) and days since 1970-01-01. Compare
 * instants with these, never their strings: the same instant can be written with different offsets and
 * fraction lengths. The hot path of the Parquet encoder has its own hand-written parser (iso-timestamp.ts).
 */

const MICROS_PER_MS = 1000;
const MICROS_PER_DAY = 86_400_000_000;
const MILLIS_PER_DAY = 86_400_000;

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * An ISO 8601 date or date-time as microseconds since the epoch: `2013-02-20T05:44:35.625000+00:00`,
 * `...Z`, other offsets (`+02:00`, `-0500`), no zone (UTC), 0 to 9 fractional digits (beyond six they
 * are truncated), a date alone (midnight UTC). Null when malformed or not a calendar date.
 */
export function parseIsoMicros(text: string): number | null {
  const match = ISO_DATE_TIME.exec(text.trim());
  if (!match) return null;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone] = match;
  const dayMillis = utcDayMillis(Number(year), Number(month), Number(day));
  if (dayMillis === null || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return null;
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 23 || minutes > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  const wholeMillis = dayMillis + ((Number(hour) * 60 + Number(minute) - offsetMinutes) * 60 + Number(second)) * 1000;
  const micros = wholeMillis * MICROS_PER_MS + Number(fraction.slice(0, 6).padEnd(6, '0'));
  return Number.isSafeInteger(micros) ? micros : null;
}

/** Like `parseIsoMicros`, for a date-time only: a date without a time of day is null. */
export function parseIsoDateTimeMicros(text: string): number | null {
  return CALENDAR_DATE.test(text.trim()) ? null : parseIsoMicros(text);
}

/** Microseconds since the epoch as `2013-02-20T05:44:35.625000+00:00` (UTC, six fractional digits). */
export function formatIsoMicros(micros: number): string {
  if (!Number.isSafeInteger(micros)) throw new RangeError(`not a whole number of microseconds: ${micros}`);
  const days = Math.floor(micros / MICROS_PER_DAY);
  const inDay = micros - days * MICROS_PER_DAY;
  const fraction = inDay % 1_000_000;
  const wholeMs = days * MILLIS_PER_DAY + (inDay - fraction) / MICROS_PER_MS;
  const iso = new Date(wholeMs).toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z (whole seconds here)
  return `${iso.slice(0, 19)}.${String(fraction).padStart(6, '0')}+00:00`;
}

/** Days since 1970-01-01 of a valid `YYYY-MM-DD`, or null. */
export function parseCalendarDateDays(text: string): number | null {
  const match = CALENDAR_DATE.exec(text);
  if (!match) return null;
  const millis = utcDayMillis(Number(match[1]), Number(match[2]), Number(match[3]));
  return millis === null ? null : millis / MILLIS_PER_DAY;
}

/** Epoch milliseconds of midnight UTC of a real calendar day (years 0-99 included, which Date.UTC would shift), or null. */
function utcDayMillis(year: number, month: number, day: number): number | null {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.getTime();
}
