import { canonicalTimestamp } from './dotnet-timestamp.js';

/**
 * A date condition value: either an exact instant (an ISO timestamp with a time part) or a whole
 * UTC day (a date without time, or a relative token such as "Today" or "30 Days Ago").
 * Bounds are canonical timestamps (see `canonicalTimestamp`), so they compare as strings.
 */
export type DateFilterValue = { kind: 'instant'; at: string } | { kind: 'day'; start: string; nextStart: string };

/**
 * How the organization's date parameters treat a time of day in a value. The evidence does not say
 * (every public client sends calendar dates), so the simulator plays each plausible behaviour:
 * - `instant`: compared at full precision;
 * - `day`: the time of day is ignored, the value stands for its whole UTC calendar day;
 * - `date-only`: a value with a time of day is refused (400).
 */
export const DATE_FILTER_PRECISIONS = ['instant', 'day', 'date-only'] as const;
export type DateFilterPrecision = (typeof DATE_FILTER_PRECISIONS)[number];

const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const OFFSET_PATTERN = /^(\d+)\s+(day|week|month|year)s?\s+(ago|from now)$/i;
const PERIOD_EDGE_PATTERN = /^(start|end)\s+of\s+(this|last|next)\s+(week|month|year)$/i;

const MS_PER_DAY = 86_400_000;

/** Parses a filter value; `undefined` when it is neither an ISO date/time nor a known relative token. */
export function parseDateFilterValue(text: string, nowMs: number): DateFilterValue | undefined {
  const value = text.trim();
  return parseIso(value) ?? parseRelative(value, nowMs);
}

/** The whole UTC day an instant lies in, for organizations that compare by calendar day. */
export function dayOf(value: DateFilterValue): DateFilterValue {
  if (value.kind === 'day') return value;
  return dayAt(Date.parse(`${value.at.slice(0, 10)}T00:00:00Z`));
}

export function isBefore(canonical: string, value: DateFilterValue): boolean {
  return canonical < (value.kind === 'instant' ? value.at : value.start);
}

export function isAfter(canonical: string, value: DateFilterValue): boolean {
  return value.kind === 'instant' ? canonical > value.at : canonical >= value.nextStart;
}

export function isOnOrBefore(canonical: string, value: DateFilterValue): boolean {
  return value.kind === 'instant' ? canonical <= value.at : canonical < value.nextStart;
}

export function isOnOrAfter(canonical: string, value: DateFilterValue): boolean {
  return canonical >= (value.kind === 'instant' ? value.at : value.start);
}

function parseIso(value: string): DateFilterValue | undefined {
  const match = ISO_PATTERN.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  if (hour === undefined) return dayValue(Number(year), Number(month), Number(day));
  const localMs = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second ?? 0));
  if (!isSameCalendarTime(localMs, Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second ?? 0))) {
    return undefined;
  }
  const epochMs = localMs - zoneOffsetMinutes(zone) * 60_000;
  const ticks = fraction === undefined ? 0 : Number(fraction.slice(0, 7).padEnd(7, '0'));
  return { kind: 'instant', at: canonicalTimestamp({ epochSeconds: epochMs / 1000, ticks }) };
}

function parseRelative(value: string, nowMs: number): DateFilterValue | undefined {
  const today = startOfUtcDay(nowMs);
  const lower = value.toLowerCase();
  if (lower === 'now') return { kind: 'instant', at: canonicalTimestamp({ epochSeconds: Math.floor(nowMs / 1000), ticks: 0 }) };
  if (lower === 'today') return dayAt(today);
  if (lower === 'yesterday') return dayAt(today - MS_PER_DAY);
  if (lower === 'tomorrow') return dayAt(today + MS_PER_DAY);

  const offset = OFFSET_PATTERN.exec(value);
  if (offset) {
    const amount = Number(offset[1]) * (offset[3]!.toLowerCase() === 'ago' ? -1 : 1);
    return dayAt(shiftDay(today, offset[2]!.toLowerCase(), amount));
  }

  const edge = PERIOD_EDGE_PATTERN.exec(value);
  if (edge) {
    const unit = edge[3]!.toLowerCase();
    const shift = { this: 0, last: -1, next: 1 }[edge[2]!.toLowerCase() as 'this' | 'last' | 'next'];
    const periodStart = shiftDay(startOfPeriod(today, unit), unit, shift);
    if (edge[1]!.toLowerCase() === 'start') return dayAt(periodStart);
    return dayAt(shiftDay(periodStart, unit, 1) - MS_PER_DAY);
  }
  return undefined;
}

function dayValue(year: number, month: number, day: number): DateFilterValue | undefined {
  const startMs = Date.UTC(year, month - 1, day);
  if (!isSameCalendarTime(startMs, year, month, day, 0, 0, 0)) return undefined;
  return dayAt(startMs);
}

function dayAt(startMs: number): DateFilterValue {
  return {
    kind: 'day',
    start: canonicalTimestamp({ epochSeconds: startMs / 1000, ticks: 0 }),
    nextStart: canonicalTimestamp({ epochSeconds: (startMs + MS_PER_DAY) / 1000, ticks: 0 }),
  };
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / MS_PER_DAY) * MS_PER_DAY;
}

function startOfPeriod(dayMs: number, unit: string): number {
  const date = new Date(dayMs);
  if (unit === 'week') return dayMs - date.getUTCDay() * MS_PER_DAY;
  if (unit === 'month') return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  return Date.UTC(date.getUTCFullYear(), 0, 1);
}

function shiftDay(dayMs: number, unit: string, amount: number): number {
  if (unit === 'day') return dayMs + amount * MS_PER_DAY;
  if (unit === 'week') return dayMs + amount * 7 * MS_PER_DAY;
  const date = new Date(dayMs);
  const months = unit === 'month' ? amount : amount * 12;
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, date.getUTCDate());
}

function zoneOffsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return zone.startsWith('-') ? -minutes : minutes;
}

/** Rejects values such as 2024-02-31 that Date.UTC would silently roll over. */
function isSameCalendarTime(ms: number, year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  const date = new Date(ms);
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second
  );
}
