import { describe, expect, it } from 'vitest';
import { CheckpointConflictError, CheckpointStore } from '../../src/queue/checkpoint-store.js';
import { initialCheckpoint, type RangeCheckpoint } from '../../src/queue/range-checkpoint.js';
import { redisForTests } from '../support/redis-for-tests.js';

describe('CheckpointStore.advance', () => {
  const shared = redisForTests('checkpoint-store');

  const after = (sequence: number, attempt: string): RangeCheckpoint => ({
    ...initialCheckpoint(),
    cursor: { lastId: sequence * 100 },
    nextSequence: sequence + 1,
    rows: (sequence + 1) * 100,
    updatedAt: `2026-12-08T00:00:0${sequence}.000Z`,
    parts: [{ key: `p/part-r00000-s00000${sequence}-a${attempt}.parquet`, rows: 100, bytes: 10, firstKey: 1, lastKey: 100, rangeIndex: 0, sequence }],
  });

  it('stores a checkpoint advancing from the stored sequence, and refuses one from another', async () => {
    const store = new CheckpointStore(shared.redis, shared.prefix);
    await store.advance('exp-a', 0, 0, after(0, 'aaaaaaaa'));
    await store.advance('exp-a', 0, 1, after(1, 'aaaaaaaa'));
    // A worker that lost the range to another, still at sequence 1, writing its own part.
    await expect(store.advance('exp-a', 0, 1, after(1, 'bbbbbbbb'))).rejects.toThrow(CheckpointConflictError);
    expect(await store.load('exp-a', 0)).toEqual(after(1, 'aaaaaaaa'));
  });

  it('takes the same advance sent again (a reply lost to a Redis restart) as done, not as a conflict', async () => {
    const store = new CheckpointStore(shared.redis, shared.prefix);
    const first = after(0, 'cccccccc');
    await store.advance('exp-b', 0, 0, first);
    await expect(store.advance('exp-b', 0, 0, first)).resolves.toBeUndefined();
    expect(await store.load('exp-b', 0)).toEqual(first);
  });
});
