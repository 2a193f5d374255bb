import { describe, expect, it } from 'vitest';
import { initialCheckpoint } from '../../../src/queue/range-checkpoint.js';
import { RangeApiCount } from '../../../src/queue/range/range-api-count.js';

describe('RangeApiCount', () => {
  it('counts a range read from its start', () => {
    const count = new RangeApiCount(initialCheckpoint());
    expect(count.current).toBeUndefined();
    count.observe({ read: 100, reported: 250 }, false);
    expect(count.current).toEqual({ read: 100, reported: 250 });
    count.observe(undefined, false);
    expect(count.current).toEqual({ read: 100, reported: 250 });
  });

  it('continues a checkpoint count from its cursor', () => {
    const count = new RangeApiCount({ ...initialCheckpoint(), cursor: { lastId: 9 }, apiCount: { read: 100, reported: 250 } });
    expect(count.current).toEqual({ read: 100, reported: 250 });
    count.observe({ read: 50, reported: 150 }, false);
    expect(count.current).toEqual({ read: 150, reported: 250 });
  });

  it('knows nothing of a range resumed from a checkpoint without a count', () => {
    const count = new RangeApiCount({ ...initialCheckpoint(), cursor: { lastId: 9 } });
    count.observe({ read: 50, reported: 150 }, false);
    expect(count.current).toBeUndefined();
  });

  it('drops the reported totals once a split narrowed the range, keeping the rows read', () => {
    const count = new RangeApiCount(initialCheckpoint());
    count.observe({ read: 100, reported: 1000 }, true);
    expect(count.current).toEqual({ read: 100, reported: null });
  });
});
