/**
 * Timestamps as Virtuous serialises them: .NET strings without a zone suffix (meaning UTC) and with
 * 0 to 7 fractional digits (trailing zeros dropped), e.g. `2023-11-30T14:20:56.3533333`.
 */
export interface SimTimestamp {
  epochSeconds: number;
  /** 100-nanosecond units within the second, 0 to 9,999,999. */
  ticks: number;
}

export const TICKS_PER_SECOND = 10_000_000;

export function formatDotNetTimestamp(timestamp: SimTimestamp): string {
  const whole = isoSeconds(timestamp.epochSeconds);
  if (timestamp.ticks === 0) return whole;
  return `${whole}.${padTicks(timestamp.ticks).replace(/0+$/, '')}`;
}

/**
 * Fixed-width form (`YYYY-MM-DDTHH:MM:SS.fffffff`, UTC) whose string order is time order: used for
 * filtering and sorting without losing the sub-millisecond digits.
 */
export function canonicalTimestamp(timestamp: SimTimestamp): string {
  return `${isoSeconds(timestamp.epochSeconds)}.${padTicks(timestamp.ticks)}`;
}

/**
 * A timestamp as a recorded real gift carries it: always 7 fractional digits, and a `Z`
 * (`2023-12-08T16:56:52.6126031Z`), where contacts' timestamps have neither.
 */
export function formatZuluTimestamp(timestamp: SimTimestamp): string {
  return `${canonicalTimestamp(timestamp)}Z`;
}

export function timestampFromEpochMs(epochMs: number): SimTimestamp {
  const epochSeconds = Math.floor(epochMs / 1000);
  return { epochSeconds, ticks: Math.round((epochMs - epochSeconds * 1000) * 10_000) };
}

export function compareTimestamps(a: SimTimestamp, b: SimTimestamp): number {
  return a.epochSeconds - b.epochSeconds || a.ticks - b.ticks;
}

const SECONDS_PER_DAY = 86_400;
const dayCache = new Map<number, string>();

/** `YYYY-MM-DD` of a UTC day number (days since 1970-01-01); cached, as generated data spans few days. */
export function formatUtcDay(day: number): string {
  let text = dayCache.get(day);
  if (text === undefined) {
    text = new Date(day * SECONDS_PER_DAY * 1000).toISOString().slice(0, 10);
    if (dayCache.size < 100_000) dayCache.set(day, text);
  }
  return text;
}

function isoSeconds(epochSeconds: number): string {
  const day = Math.floor(epochSeconds / SECONDS_PER_DAY);
  const secondOfDay = epochSeconds - day * SECONDS_PER_DAY;
  const hours = Math.floor(secondOfDay / 3600);
  const minutes = Math.floor((secondOfDay % 3600) / 60);
  const seconds = secondOfDay % 60;
  return `${formatUtcDay(day)}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}`;
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

function padTicks(ticks: number): string {
  return String(ticks).padStart(7, '0');
}
