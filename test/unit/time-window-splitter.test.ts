import { describe, expect, it } from 'vitest';
import type { TimeWindow } from '../../src/planning/export-range.js';
import { splitTimeWindows } from '../../src/planning/time-window-splitter.js';
import { formatIsoMicros, parseIsoMicros } from '../../src/time/iso-instant.js';

const SECOND = 1_000_000;
const DAY = 86_400 * SECOND;
const START = Date.UTC(2015, 0, 1) * 1000;

/** Timestamps (µs) as a sorted array; the counter answers like Close's `count.total` for a window. */
function counterFor(times: number[]) {
  let probes = 0;
  const count = async (from: number, before: number) => {
    probes += 1;
    return times.filter((t) => t >= from && t < before).length;
  };
  return { count, probes: () => probes };
}

function rowsIn(times: number[], window: TimeWindow): number {
  const from = window.from === null ? -Infinity : parseIsoMicros(window.from)!;
  const before = window.before === null ? Infinity : parseIsoMicros(window.before)!;
  return times.filter((t) => t >= from && t < before).length;
}

async function split(times: number[], targetRows: number, maxProbes?: number) {
  const sorted = [...times].sort((a, b) => a - b);
  const counter = counterFor(sorted);
  const windows = await splitTimeWindows({
    minMicros: sorted[0]!,
    maxMicros: sorted.at(-1)!,
    totalRows: sorted.length,
    targetRows,
    count: counter.count,
    ...(maxProbes === undefined ? {} : { maxProbes }),
  });
  return { windows, sorted, probes: counter.probes() };
}

function expectContiguous(windows: TimeWindow[]) {
  expect(windows[0]!.from).toBeNull();
  expect(windows.at(-1)!.before).toBeNull();
  expect(windows.map((w) => w.index)).toEqual(windows.map((_, i) => i));
  for (let i = 1; i < windows.length; i++) expect(windows[i]!.from).toBe(windows[i - 1]!.before);
  for (const window of windows) expect(window.kind).toBe('time');
}

describe('splitTimeWindows', () => {
  it('covers every row exactly once with contiguous windows, open at both ends', async () => {
    const times = Array.from({ length: 10_000 }, (_, i) => START + i * 7 * SECOND + (i % 13));
    const { windows, sorted } = await split(times, 1000);
    expectContiguous(windows);
    expect(windows.reduce((sum, w) => sum + rowsIn(sorted, w), 0)).toBe(sorted.length);
    windows.forEach((w) => expect(w.estimatedRows).toBe(rowsIn(sorted, w)));
    expect(windows.length).toBeGreaterThanOrEqual(7);
  });

  it('balances windows when creation times are clustered', async () => {
    // 9,000 contacts imported within one hour, 1,000 spread over ten years.
    const burst = Array.from({ length: 9000 }, (_, i) => START + 400 * DAY + Math.floor((i * 3600 * SECOND) / 9000));
    const spread = Array.from({ length: 1000 }, (_, i) => START + i * 3 * DAY + 17);
    const { windows, sorted, probes } = await split([...burst, ...spread], 1000);
    const sizes = windows.map((w) => rowsIn(sorted, w));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1500);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(sorted.length);
    expect(windows.length).toBeGreaterThanOrEqual(7);
    expect(windows.length).toBeLessThanOrEqual(20);
    expect(probes).toBeLessThan(200);
  });

  it('keeps thousands of rows sharing one microsecond in one window, and the rest balanced', async () => {
    const shared = START + 2 * DAY + 123_456; // among the others, which span about 4 days
    const others = Array.from({ length: 6000 }, (_, i) => START + i * 61 * SECOND + (i % 1000));
    const { windows, sorted } = await split([...others, ...Array.from({ length: 2000 }, () => shared)], 500);
    expectContiguous(windows);
    const holding = windows.filter((w) => rowsIn([shared], w) === 1);
    expect(holding).toHaveLength(1);
    // Bisection narrows down to the one microsecond that cannot be split: the block is a window of its own.
    expect(holding[0]).toMatchObject({ from: formatIsoMicros(shared), before: formatIsoMicros(shared + 1), estimatedRows: 2000 });
    const sizes = windows.map((w) => rowsIn(sorted, w));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(sorted.length);
    expect(sizes.filter((n) => n !== 2000).every((n) => n <= 750)).toBe(true);
  });

  it('returns one open window for a tiny export, and stops at the probe budget', async () => {
    const tiny = await split([START, START + 5, START + 9], 1000);
    expect(tiny.windows).toEqual([{ kind: 'time', index: 0, from: null, before: null, estimatedRows: 3 }]);
    expect(tiny.probes).toBe(0);

    const times = Array.from({ length: 5000 }, (_, i) => START + i * SECOND);
    const limited = await split(times, 10, 5);
    expect(limited.probes).toBe(5);
    expectContiguous(limited.windows);
    expect(limited.windows.reduce((sum, w) => sum + rowsIn(limited.sorted, w), 0)).toBe(5000);
  });

  it('handles one single instant holding every row', async () => {
    const { windows, probes } = await split(
      Array.from({ length: 3000 }, () => START),
      100,
    );
    expect(windows).toEqual([{ kind: 'time', index: 0, from: null, before: null, estimatedRows: 3000 }]);
    expect(probes).toBe(0);
  });
});

describe('microsecond ISO 8601 instants', () => {
  it('parses Close timestamps exactly and compares instants, not strings', () => {
    const micros = parseIsoMicros('2013-02-20T05:44:35.625000+00:00')!;
    expect(micros).toBe(Date.UTC(2013, 1, 20, 5, 44, 35, 625) * 1000);
    expect(parseIsoMicros('2013-02-20T05:44:35.625001+00:00')! - micros).toBe(1);
    // The same instant in other spellings.
    expect(parseIsoMicros('2013-02-20T07:44:35.625+02:00')).toBe(micros);
    expect(parseIsoMicros('2013-02-20T00:44:35.625000-0500')).toBe(micros);
    expect(parseIsoMicros('2013-02-20T05:44:35.6250009Z')).toBe(micros);
    expect(parseIsoMicros('2013-02-20 05:44:35.625')).toBe(micros);
    // String order would say otherwise.
    expect('2013-02-20T07:44:35.000000+02:00' > '2013-02-20T06:00:00.000000+00:00').toBe(true);
    expect(parseIsoMicros('2013-02-20T07:44:35.000000+02:00')! < parseIsoMicros('2013-02-20T06:00:00.000000+00:00')!).toBe(true);
  });

  it('refuses what is not an instant', () => {
    for (const text of ['', 'yesterday', '2013-02-30T00:00:00Z', '2013-02-20T25:00:00Z', '2013-02-20T05:44:35+25:00']) {
      expect(parseIsoMicros(text)).toBeNull();
    }
  });

  it('formats microseconds in Close format and round-trips', () => {
    expect(formatIsoMicros(Date.UTC(2013, 1, 20, 5, 44, 35, 625) * 1000)).toBe('2013-02-20T05:44:35.625000+00:00');
    expect(formatIsoMicros(Date.UTC(2018, 9, 1, 12) * 1000 + 123_456)).toBe('2018-10-01T12:00:00.123456+00:00');
    for (const micros of [0, 1, 999_999, START + 86_399_999_999, Date.UTC(1969, 11, 31, 23, 59, 59) * 1000 + 5, Date.UTC(2099, 11, 31) * 1000 - 1]) {
      expect(parseIsoMicros(formatIsoMicros(micros))).toBe(micros);
    }
    expect(() => formatIsoMicros(1.5)).toThrow(RangeError);
  });
});
