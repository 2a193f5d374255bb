const MILLIS_PER_DAY = 86_400_000;
const DIGIT_0 = 48;

/**
 * Parses an ISO 8601 date-time such as `2023-11-30T14:20:56.3533333`, `2023-11-30T14:20:56Z` or
 * `2013-02-20T05:44:35.625000+00:00` into UTC epoch milliseconds; a value without a zone means UTC.
 * Also accepts a space instead of `T`, a date alone (midnight UTC), and zones `+HH`, `+HHMM`, `+HH:MM`.
 * Fractions beyond milliseconds are truncated. Returns null for anything else (e.g. "Unavailable").
 * Written by hand, without Date or substrings, because it runs for every timestamp of every row.
 */
export function parseIsoTimestampMillis(text: string): number | null {
  const length = text.length;
  if (length < 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  const dayMillis = daysFromCivil(year, month, day) * MILLIS_PER_DAY;
  if (length === 10) return dayMillis;

  const separator = text.charCodeAt(10);
  if (separator !== 84 /* T */ && separator !== 116 /* t */ && separator !== 32 /* space */) return null;
  if (length < 16 || text.charCodeAt(13) !== 58) return null;
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return null;

  let position = 16;
  let second = 0;
  let millisecond = 0;
  if (position < length && text.charCodeAt(position) === 58 /* : */) {
    second = digits(text, position + 1, 2);
    if (second < 0 || second > 59) return null;
    position += 3;
    const mark = position < length ? text.charCodeAt(position) : 0;
    if (mark === 46 /* . */ || mark === 44 /* , */) {
      position++;
      const fractionStart = position;
      while (position < length && isDigit(text.charCodeAt(position))) {
        const index = position - fractionStart;
        if (index < 3) millisecond += (text.charCodeAt(position) - DIGIT_0) * (index === 0 ? 100 : index === 1 ? 10 : 1);
        position++;
      }
      const fractionDigits = position - fractionStart;
      if (fractionDigits === 0 || fractionDigits > 9) return null;
    }
  }

  const offsetMinutes = parseZoneOffsetMinutes(text, position);
  if (offsetMinutes === null) return null;
  return dayMillis + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millisecond;
}

/** Minutes east of UTC for the zone suffix starting at `position` (none = UTC), or null if malformed. */
function parseZoneOffsetMinutes(text: string, position: number): number | null {
  const length = text.length;
  if (position === length) return 0;
  const sign = text.charCodeAt(position);
  if (sign === 90 /* Z */ || sign === 122 /* z */) return position + 1 === length ? 0 : null;
  if (sign !== 43 /* + */ && sign !== 45 /* - */) return null;
  const rest = length - position - 1;
  if (rest !== 2 && rest !== 4 && rest !== 5) return null;
  const hours = digits(text, position + 1, 2);
  let minutes = 0;
  if (rest === 4) minutes = digits(text, position + 3, 2);
  if (rest === 5) minutes = text.charCodeAt(position + 3) === 58 ? digits(text, position + 4, 2) : -1;
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return null;
  const offset = hours * 60 + minutes;
  return sign === 45 ? -offset : offset;
}

/** The non-negative integer written with `count` digits at `start`, or -1. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let position = start; position < start + count; position++) {
    const code = text.charCodeAt(position);
    if (!isDigit(code)) return -1;
    value = value * 10 + (code - DIGIT_0);
  }
  return value;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}
