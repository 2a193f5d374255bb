import { describe, expect, it } from 'vitest';
import { splitIdRange, defaultTargetRows } from '../../src/planning/id-range-splitter.js';

/** Ids as a sorted array; the counter answers like the API's `total` would. */
function counterFor(ids: number[]) {
  let probes = 0;
  const count = async (afterId: number, upToId: number) => {
    probes += 1;
    return ids.filter((id) => id > afterId && id <= upToId).length;
  };
  return { count, probes: () => probes };
}

function rowsIn(ids: number[], afterId: number | null, upToId: number | null): number {
  return ids.filter((id) => (afterId === null || id > afterId) && (upToId === null || id <= upToId)).length;
}

describe('splitIdRange', () => {
  it('covers every id exactly once with contiguous, open-ended ranges', async () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => 1000 + i * 3 + (i % 3));
    const { count } = counterFor(ids);
    const ranges = await splitIdRange({ minId: ids[0]!, maxId: ids.at(-1)!, totalRows: ids.length, targetRows: 1000, count });
    expect(ranges[0]!.afterId).toBeNull();
    expect(ranges.at(-1)!.upToId).toBeNull();
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.afterId).toBe(ranges[i - 1]!.upToId);
    expect(ranges.map((r) => r.index)).toEqual(ranges.map((_, i) => i));
    const covered = ranges.reduce((sum, r) => sum + rowsIn(ids, r.afterId, r.upToId), 0);
    expect(covered).toBe(ids.length);
  });

  it('balances row counts when ids are clustered', async () => {
    // 9,000 ids packed into [1, 9000] and 1,000 spread over [1e6, 1e9]: equal-width slices would put 90% in one range.
    const dense = Array.from({ length: 9000 }, (_, i) => i + 1);
    const sparse = Array.from({ length: 1000 }, (_, i) => 1_000_000 + i * 999_000);
    const ids = [...dense, ...sparse];
    const { count, probes } = counterFor(ids);
    const ranges = await splitIdRange({ minId: 1, maxId: ids.at(-1)!, totalRows: ids.length, targetRows: 1000, count });
    const sizes = ranges.map((r) => rowsIn(ids, r.afterId, r.upToId));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1500);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(ids.length);
    expect(ranges.length).toBeGreaterThanOrEqual(7);
    expect(ranges.length).toBeLessThanOrEqual(20);
    expect(probes()).toBeLessThan(200);
    ranges.forEach((r, i) => expect(r.estimatedRows).toBe(sizes[i]));
  });

  it('returns one open range for a tiny export and stops at the probe budget', async () => {
    const ids = [5, 6, 7];
    const { count } = counterFor(ids);
    expect(await splitIdRange({ minId: 5, maxId: 7, totalRows: 3, targetRows: 1000, count })).toEqual([
      { kind: 'id', index: 0, afterId: null, upToId: null, estimatedRows: 3 },
    ]);
    const many = Array.from({ length: 5000 }, (_, i) => i + 1);
    const limited = counterFor(many);
    await splitIdRange({ minId: 1, maxId: 5000, totalRows: 5000, targetRows: 10, count: limited.count, maxProbes: 7 });
    expect(limited.probes()).toBe(7);
  });

  it('derives a target that spreads an export over about 32 ranges within bounds', () => {
    expect(defaultTargetRows(25_000)).toBe(5_000);
    expect(defaultTargetRows(1_000_000)).toBe(31_250);
    expect(defaultTargetRows(50_000_000)).toBe(100_000);
  });
});
