import { describe, expect, it } from 'vitest';
import { isAfter, isBefore, isOnOrAfter, isOnOrBefore, parseDateFilterValue } from '../../simulators/virtuous/date-filter-value.js';
import { canonicalTimestamp, formatDotNetTimestamp } from '../../simulators/virtuous/dotnet-timestamp.js';

const NOW = Date.parse('2026-03-18T15:30:00Z'); // a Wednesday

describe('date filter values', () => {
  it('parses instants with or without a zone (zoneless = UTC), keeping 7 fractional digits', () => {
    expect(parseDateFilterValue('2023-11-30T14:20:56.3533333', NOW)).toEqual({ kind: 'instant', at: '2023-11-30T14:20:56.3533333' });
    expect(parseDateFilterValue('2023-11-30T14:20:56', NOW)).toEqual({ kind: 'instant', at: '2023-11-30T14:20:56.0000000' });
    expect(parseDateFilterValue('2023-11-30T16:20:56.35+02:00', NOW)).toEqual({ kind: 'instant', at: '2023-11-30T14:20:56.3500000' });
    expect(parseDateFilterValue('2023-11-30T14:20:56Z', NOW)).toEqual({ kind: 'instant', at: '2023-11-30T14:20:56.0000000' });
    expect(parseDateFilterValue('2023-02-30', NOW)).toBeUndefined();
    expect(parseDateFilterValue('soon', NOW)).toBeUndefined();
  });

  it('treats dates and relative tokens as whole UTC days', () => {
    const day = (start: string) => ({
      kind: 'day',
      start: `${start}T00:00:00.0000000`,
      nextStart: `${new Date(Date.parse(`${start}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)}T00:00:00.0000000`,
    });
    expect(parseDateFilterValue('2024-01-15', NOW)).toEqual(day('2024-01-15'));
    expect(parseDateFilterValue('1/15/2024', NOW)).toBeUndefined(); // no evidence of US dates
    expect(parseDateFilterValue('Today', NOW)).toEqual(day('2026-03-18'));
    expect(parseDateFilterValue('yesterday', NOW)).toEqual(day('2026-03-17'));
    expect(parseDateFilterValue('30 Days Ago', NOW)).toEqual(day('2026-02-16'));
    expect(parseDateFilterValue('2 Weeks From Now', NOW)).toEqual(day('2026-04-01'));
    expect(parseDateFilterValue('Start Of This Month', NOW)).toEqual(day('2026-03-01'));
    expect(parseDateFilterValue('Start Of Last Year', NOW)).toEqual(day('2025-01-01'));
    expect(parseDateFilterValue('End Of This Month', NOW)).toEqual(day('2026-03-31'));
    expect(parseDateFilterValue('Start Of This Week', NOW)).toEqual(day('2026-03-15'));
  });

  it('compares canonical timestamps with instants and days', () => {
    const instant = parseDateFilterValue('2024-01-15T12:00:00', NOW)!;
    const day = parseDateFilterValue('2024-01-15', NOW)!;
    const noon = '2024-01-15T12:00:00.0000000';
    const late = '2024-01-15T23:59:59.9999999';
    expect([isBefore(noon, instant), isAfter(noon, instant), isOnOrBefore(noon, instant), isOnOrAfter(noon, instant)]).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect([isBefore(late, day), isAfter(late, day), isOnOrBefore(late, day), isOnOrAfter(late, day)]).toEqual([false, false, true, true]);
    expect(isAfter('2024-01-16T00:00:00.0000000', day)).toBe(true);
    expect(isBefore('2024-01-14T23:59:59.9999999', day)).toBe(true);
  });
});

describe('.NET timestamps', () => {
  it('trims trailing zeros and omits an all-zero fraction', () => {
    const seconds = Date.parse('2023-11-30T14:20:56Z') / 1000;
    expect(formatDotNetTimestamp({ epochSeconds: seconds, ticks: 3_533_333 })).toBe('2023-11-30T14:20:56.3533333');
    expect(formatDotNetTimestamp({ epochSeconds: seconds, ticks: 3_500_000 })).toBe('2023-11-30T14:20:56.35');
    expect(formatDotNetTimestamp({ epochSeconds: seconds, ticks: 0 })).toBe('2023-11-30T14:20:56');
    expect(canonicalTimestamp({ epochSeconds: seconds, ticks: 3_500_000 })).toBe('2023-11-30T14:20:56.3500000');
  });
});
