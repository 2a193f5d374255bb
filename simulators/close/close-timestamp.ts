/**
 * Close timestamps: microsecond precision, always six fractional digits and an explicit `+00:00`,
 * e.g. `2013-02-20T05:44:35.625000+00:00`. The simulator keeps them as microseconds since the epoch
 * (exact in a double until the year 2255), so nothing is lost to JavaScript's millisecond Date.
 */

export const MICROS_PER_MS = 1000;
export const MICROS_PER_DAY = 86_400_000_000;

export function formatCloseTimestamp(micros: number): string {
  const days = Math.floor(micros / MICROS_PER_DAY);
  let rest = micros - days * MICROS_PER_DAY;
  const hours = Math.floor(rest / 3_600_000_000);
  rest -= hours * 3_600_000_000;
  const minutes = Math.floor(rest / 60_000_000);
  rest -= minutes * 60_000_000;
  const seconds = Math.floor(rest / 1_000_000);
  const fraction = rest - seconds * 1_000_000;
  return `${civilDate(days)}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${String(fraction).padStart(6, '0')}+00:00`;
}

/** `YYYY-MM-DD` of a day number since 1970-01-01 (proleptic Gregorian; H. Hinnant's civil_from_days). */
function civilDate(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * ISO 8601 date or date-time, with or without a zone (none means UTC), with any number of fractional
 * digits (beyond six they are truncated). Undefined when malformed or not a real calendar date.
 */
export function parseIsoMicros(text: string): number | undefined {
  const match = ISO_DATE_TIME.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone] = match;
  const dayMs = utcDayStartMs(Number(year), Number(month), Number(day));
  if (dayMs === undefined || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  const wholeMs = dayMs + ((Number(hour) * 60 + Number(minute) - offsetMinutes) * 60 + Number(second)) * 1000;
  return wholeMs * MICROS_PER_MS + Number(fraction.slice(0, 6).padEnd(6, '0'));
}

/** `YYYY-MM-DD` (exactly) as the microsecond at the start of that UTC day. */
export function parseLocalDateMicros(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const dayMs = utcDayStartMs(Number(match[1]), Number(match[2]), Number(match[3]));
  return dayMs === undefined ? undefined : dayMs * MICROS_PER_MS;
}

export function formatLocalDate(micros: number): string {
  return civilDate(Math.floor(micros / MICROS_PER_DAY));
}

const ISO_DURATION = /^([+-])?P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/**
 * A signed ISO 8601 duration made of weeks, days, hours, minutes and seconds (`-P30D`, `PT1H30M`,
 * `P1W`), in milliseconds. Years and months are refused (their length depends on the calendar).
 */
export function parseIsoDurationMs(text: string): number | undefined {
  const match = ISO_DURATION.exec(text.trim());
  if (!match || /^[+-]?PT?$/i.test(text.trim())) return undefined;
  const [, sign, weeks, days, hours, minutes, seconds] = match;
  const ms =
    (Number(weeks ?? 0) * 7 * 86_400 + Number(days ?? 0) * 86_400 + Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0)) *
    1000;
  return sign === '-' ? -ms : ms;
}

function utcDayStartMs(year: number, month: number, day: number): number | undefined {
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return ms;
}
