import { describe, expect, it } from 'vitest';
import type { IdRange } from '../../../src/planning/export-range.js';
import { RangeBoard } from '../../../src/queue/range-board.js';
import { initialCheckpoint } from '../../../src/queue/range-checkpoint.js';
import { ClaimedEnd } from '../../../src/queue/range/claimed-end.js';
import { firstRows } from '../../../src/queue/range/page-cut.js';
import type { SourcePage, SourceRow } from '../../../src/sources/export-source.js';
import { redisForTests } from '../../support/redis-for-tests.js';

const keyOf = (row: SourceRow) => row.id as number;
const idRange = (index: number, afterId: number | null, upToId: number | null): IdRange => ({
  kind: 'id',
  index,
  afterId,
  upToId,
  estimatedRows: 1000,
});

function page(ids: number[]): SourcePage {
  return {
    rows: ids.map((id) => ({ id })),
    cursor: { lastId: ids.at(-1)! },
    firstKey: ids[0]!,
    lastKey: ids.at(-1)!,
    changes: ids.map((id) => ({ id: String(id), micros: id, stamp: String(id) })),
  };
}

const progress = (read: number) => ({ read, remaining: 100, firstKey: 1, at: Date.now() });

describe('ClaimedEnd', () => {
  const shared = redisForTests('claimed-end');
  const boardOf = () => new RangeBoard(shared.redis, shared.prefix);

  it('keeps whole pages while no split reaches them, and ends the range at a split point inside a page', async () => {
    const board = boardOf();
    await board.init('exp-a', [idRange(0, 0, 1000)]);
    const range = idRange(0, 0, 1000);
    const end = await ClaimedEnd.load(board, 'exp-a', range, initialCheckpoint());
    expect(end.narrowed).toBe(false);
    expect(await end.take(page([1, 2, 3]), 0, { keyOf })).toEqual({ page: page([1, 2, 3]), endReached: false });
    // Another worker splits [500, 1001) off; rows below 500 stay this range's.
    expect(await board.split('exp-a', 0, 500, idRange(1, 499, 1000), progress(3))).toBe(1);
    const taken = await end.take(page([400, 480, 520, 600]), 3, { keyOf });
    expect(taken.endReached).toBe(true);
    expect(taken.page.rows).toEqual([{ id: 400 }, { id: 480 }]);
    expect([taken.page.firstKey, taken.page.lastKey, taken.page.changes?.length]).toEqual([400, 480, 2]);
    expect(end.narrowed).toBe(true);
    // The job's range is narrowed in place: the source stops paging there.
    expect(range.upToId).toBe(499);
    expect((await end.finish()).map((child) => [child.index, (child as IdRange).afterId, (child as IdRange).upToId])).toEqual([[1, 499, 1000]]);
  });

  it('reports the rows read and the first key read, for choosing what to split', async () => {
    const board = boardOf();
    await board.init('exp-b', [idRange(0, 0, 1000)]);
    const end = await ClaimedEnd.load(board, 'exp-b', idRange(0, 0, 1000), initialCheckpoint());
    await end.take(page([10, 20]), 40, { keyOf });
    await end.take(page([30]), 42, { keyOf });
    const [entry] = await board.ranges('exp-b');
    expect(entry!.claimed).toBe(30);
    expect(entry!.progress).toMatchObject({ read: 43, firstKey: 10 });
  });

  it('starts from the end the board has when the range resumes after a split', async () => {
    const board = boardOf();
    await board.init('exp-c', [idRange(0, 0, 1000)]);
    expect(await board.split('exp-c', 0, 700, idRange(1, 699, 1000), progress(0))).toBe(1);
    const range = idRange(0, 0, 1000);
    const end = await ClaimedEnd.load(board, 'exp-c', range, initialCheckpoint());
    expect([end.narrowed, range.upToId]).toEqual([true, 699]);
  });

  it('an export without a board keeps its planned end and claims nothing', async () => {
    const board = boardOf();
    const range = idRange(0, 0, 1000);
    const end = await ClaimedEnd.load(board, 'exp-none', range, initialCheckpoint());
    expect(await end.take(page([5, 2000]), 0, { keyOf })).toEqual({ page: page([5, 2000]), endReached: false });
    expect(await end.finish()).toEqual([]);
    expect(await shared.redis.exists(board.key('exp-none'))).toBe(0);
  });
});

describe('firstRows', () => {
  it('keeps the first rows of a page with their raw bytes and changes, and the page whole when all fit', () => {
    const whole = { ...page([1, 2, 3]), rawRows: [1, 2, 3].map((id) => new TextEncoder().encode(String(id))) };
    expect(firstRows(whole, 3, { keyOf })).toBe(whole);
    const cut = firstRows(whole, 2, { keyOf });
    expect([cut.rows.length, cut.rawRows?.length, cut.changes?.length, cut.firstKey, cut.lastKey, cut.cursor]).toEqual([
      2,
      2,
      2,
      1,
      2,
      { lastId: 3 },
    ]);
    const none = firstRows(whole, 0, { keyOf });
    expect([none.rows.length, none.firstKey, none.lastKey]).toEqual([0, null, null]);
  });
});
