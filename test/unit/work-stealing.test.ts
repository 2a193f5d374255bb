import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExportRange, IdRange, TimeWindow } from '../../src/planning/export-range.js';
import { rangesForFleet } from '../../src/planning/fleet-ranges.js';
import { keySpanOf, rangeOver } from '../../src/planning/key-span.js';
import { RangeBoard, type BoardRange, type ReadingProgress } from '../../src/queue/range-board.js';
import { chooseSplit } from '../../src/queue/work-stealing.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/test-redis.js';

const idRange = (index: number, afterId: number | null, upToId: number | null, estimatedRows = 100_000): IdRange => ({
  kind: 'id',
  index,
  afterId,
  upToId,
  estimatedRows,
});
const progress = (read: number, remaining: number, firstKey: number | null = 1): ReadingProgress => ({ read, remaining, firstKey, at: Date.now() });

describe('planning for the fleet', () => {
  it('plans as many ranges as the fleet has slots, at most one per 40 pages', () => {
    expect(rangesForFleet(1_000_000, 1000, 8)).toBe(8);
    expect(rangesForFleet(1_000_000, 1000, 64)).toBe(25);
    expect(rangesForFleet(20_000, 1000, 8)).toBe(1);
    expect(rangesForFleet(0, 1000, 8)).toBe(1);
    expect(rangesForFleet(500_000, 100, 0)).toBe(1);
  });
});

describe('key spans', () => {
  it('maps id ranges and time windows to [start, end) and back', () => {
    expect(keySpanOf(idRange(0, 100, 200))).toEqual({ start: 101, end: 201 });
    expect(keySpanOf(idRange(0, null, null))).toEqual({ start: null, end: null });
    const window: TimeWindow = { kind: 'time', index: 0, from: '2024-01-01T00:00:00.000001Z', before: null, estimatedRows: 5, field: 'date_updated' };
    expect(keySpanOf(window)).toEqual({ start: Date.parse('2024-01-01T00:00:00Z') * 1000 + 1, end: null });
    expect(rangeOver(idRange(0, 100, 200), { start: 151, end: 201 }, 3, 7)).toEqual(idRange(3, 150, 200, 7));
    expect(rangeOver(window, { start: 1_704_067_200_500_000, end: null }, 4, 9)).toEqual({
      kind: 'time',
      index: 4,
      from: '2024-01-01T00:00:00.500000+00:00',
      before: null,
      estimatedRows: 9,
      field: 'date_updated',
    });
  });
});

describe('choosing a split', () => {
  const entry = (range: ExportRange, claimed: number | null, reading: ReadingProgress | undefined, done = false): BoardRange => ({
    range,
    claimed,
    done,
    progress: reading,
  });

  it('halves the unread keys of the range with the most rows to go', () => {
    const choice = chooseSplit(
      [entry(idRange(0, null, 50_000), 40_000, progress(40_000, 200_000)), entry(idRange(1, 50_000, 1_000_000), 60_000, progress(10_000, 500_000))],
      1000,
      Date.now(),
      25,
    );
    expect(choice).toMatchObject({ at: 60_000 + Math.floor((1_000_001 - 60_000) / 2), rows: 250_000 });
    expect(choice?.victim.range.index).toBe(1);
  });

  it('estimates an open end from the density of the keys read', () => {
    // 10,000 rows read over keys 1..20,000 (2 keys a row); 300,000 to go: the middle is 300,000 keys on.
    const choice = chooseSplit([entry(idRange(0, null, null), 20_000, progress(10_000, 300_000, 1))], 1000, Date.now(), 25);
    expect(choice?.at).toBe(20_000 + Math.floor((19_999 / 10_000) * 150_000));
  });

  it('splits nothing under twice 10 pages to go, nothing finished, silent or not started, nothing past the range budget of the export', () => {
    const now = Date.now();
    const running = entry(idRange(0, null, 1_000_000), 10, progress(1000, 20_000));
    expect(chooseSplit([running], 1000, now, 25)?.rows).toBe(10_000);
    expect(chooseSplit([running], 1000, now, 1), 'one range is all a small export may have').toBeUndefined();
    expect(chooseSplit([entry(idRange(0, null, 1_000_000), 10, progress(1000, 19_999))], 1000, now, 25)).toBeUndefined();
    expect(chooseSplit([entry(idRange(0, null, 1_000_000), 10, progress(1000, 500_000), true)], 1000, now, 25)).toBeUndefined();
    expect(chooseSplit([entry(idRange(0, null, 1_000_000), 10, { ...progress(1000, 500_000), at: now - 120_000 })], 1000, now, 25)).toBeUndefined();
    expect(chooseSplit([entry(idRange(0, null, 1_000_000), null, undefined)], 1000, now, 25)).toBeUndefined();
  });
});

describe('the range board (real Redis)', () => {
  let redis: Redis;
  let url: string;
  const prefix = uniquePrefix('range-board');
  beforeAll(async () => {
    url = (await testRedis()).url;
    redis = new Redis(url);
  });
  afterAll(async () => {
    redis.disconnect();
    await dropPrefix(url, prefix);
  });

  it('never gives a key to two ranges: a split point must lie past what the range took, and rows past it end the range', async () => {
    const board = new RangeBoard(redis, prefix);
    await board.init('exp-a', [idRange(0, null, 1000), idRange(1, 1000, null)]);
    expect(await board.count('exp-a')).toBe(2);
    // Range 0 takes rows up to id 300.
    expect(await board.claim('exp-a', 0, 300, progress(300, 700))).toEqual({ within: true, end: 1001 });
    // A split at or below what it took is refused; past its end too.
    expect(await board.split('exp-a', 0, 300, idRange(0, 299, 1000), progress(300, 350))).toBe('taken');
    expect(await board.split('exp-a', 0, 1001, idRange(0, 1000, 1000), progress(300, 350))).toBe('past-end');
    // At 651: range 0 keeps (.., 650], range 2 is (650, 1000].
    expect(await board.split('exp-a', 0, 651, idRange(0, 650, 1000, 350), progress(300, 350))).toBe(2);
    expect(
      (await board.ranges('exp-a')).map((entry) => [entry.range.index, entry.range.kind === 'id' ? [entry.range.afterId, entry.range.upToId] : []]),
    ).toEqual([
      [0, [null, 650]],
      [1, [1000, null]],
      [2, [650, 1000]],
    ]);
    // Range 0's next page runs past the split: it is told where its rows stop, and takes everything below.
    expect(await board.claim('exp-a', 0, 700, progress(700, 300))).toEqual({ within: false, end: 651 });
    expect(await board.split('exp-a', 0, 640, idRange(0, 639, 650), progress(300, 350))).toBe('taken');
    expect(await board.finish('exp-a', 0)).toEqual([2]);
    expect(await board.split('exp-a', 0, 660, idRange(0, 659, 650), progress(300, 350))).toBe('finished');
    expect(await board.activeExports()).toContain('exp-a');
    await board.retire('exp-a');
    expect(await board.activeExports()).not.toContain('exp-a');
  });

  it('keeps microsecond keys exact (no exponent form in Lua)', async () => {
    const board = new RangeBoard(redis, prefix);
    const window: TimeWindow = { kind: 'time', index: 0, from: null, before: null, estimatedRows: 10 };
    await board.init('exp-b', [window]);
    const at = 1_732_945_678_123_457;
    expect(await board.split('exp-b', 0, at, rangeOver(window, { start: at, end: null }, 0, 5), progress(5, 5))).toBe(1);
    expect(await board.claim('exp-b', 0, at - 1, progress(6, 4))).toEqual({ within: true, end: at });
    expect(await board.claim('exp-b', 0, at, progress(7, 3))).toEqual({ within: false, end: at });
    const [first, second] = await board.ranges('exp-b');
    expect(first!.range).toMatchObject({ before: '2024-11-30T05:47:58.123457+00:00' });
    expect(second!.range).toMatchObject({ index: 1, from: '2024-11-30T05:47:58.123457+00:00', before: null });
  });
});
