import { describe, expect, it } from 'vitest';
import { BulkExportError } from '../../src/errors/index.js';
import { GroupedRows, MAX_IDS_IN_CURSOR, type CloseCursor } from '../../src/sources/close/close-keyset.js';
import { keyOf } from '../../src/sources/close/close-source.js';
import type { SourcePage } from '../../src/sources/export-source.js';

const T1 = '2018-10-01T12:00:00.123456+00:00';
const T2 = '2018-10-01T12:00:00.123457+00:00';
const T3 = '2018-10-01T12:00:01.000000+00:00';
const T4 = '2018-10-01T12:00:02.500000+00:00';

function row(id: string, created: string) {
  return keyOf({ __object_type: 'contact', id, date_created: created });
}

/** Feeds rows as one server page: how many were new, and the page released after it (if any). */
function feed(grouped: GroupedRows, rows: [string, string][]): { fresh: number; page: SourcePage | null } {
  let fresh = 0;
  for (const [id, created] of rows) if (grouped.accept(row(id, created))) fresh += 1;
  return { fresh, page: grouped.takePage() };
}

const idsOf = (page: SourcePage | null) => page?.rows.map((r) => r.id) ?? [];

describe('GroupedRows: which rows are new, and where pages end', () => {
  it('releases pages only at the end of a group of equal timestamps, with the cursor after it', () => {
    const grouped = new GroupedRows(null);
    const first = feed(grouped, [
      ['a', T1],
      ['b', T2],
      ['c', T2],
    ]);
    expect(first.fresh).toBe(3);
    // b and c may have more siblings at T2 on the next page: only a is released.
    expect(idsOf(first.page)).toEqual(['a']);
    expect(first.page!.cursor).toEqual({ lastCreated: T1, idsAtLast: ['a'] });
    expect([first.page!.firstKey, first.page!.lastKey]).toEqual([T1, T1]);

    const second = feed(grouped, [
      ['d', T2],
      ['e', T3],
    ]);
    expect(idsOf(second.page)).toEqual(['b', 'c', 'd']);
    expect(second.page!.cursor).toEqual({ lastCreated: T2, idsAtLast: ['b', 'c', 'd'] });

    expect(grouped.takePage()).toBeNull();
    const last = grouped.finish();
    expect(idsOf(last)).toEqual(['e']);
    expect(last!.cursor).toEqual({ lastCreated: T3, idsAtLast: ['e'] });
    expect(grouped.finish()).toBeNull();
  });

  it('drops what a restarted walk reads again, whatever order equal timestamps come in', () => {
    const grouped = new GroupedRows(null);
    feed(grouped, [
      ['a', T1],
      ['b', T2],
      ['c', T2],
    ]);
    expect(grouped.restartMicros).not.toBeNull();
    expect([...grouped.idsAtRestart]).toEqual(['b', 'c']);
    // A new walk from T2 (on_or_after): the server returns the T2 group in another order, plus one more.
    const again = feed(grouped, [
      ['c', T2],
      ['x', T2],
      ['b', T2],
    ]);
    expect(again.fresh).toBe(1);
    expect(again.page).toBeNull();
    const next = feed(grouped, [['y', T4]]);
    expect(idsOf(next.page)).toEqual(['b', 'c', 'x']);
    // Rows before the restart instant (an API that truncated the bound) are old by definition.
    expect(grouped.accept(row('a', T1))).toBe(false);
    expect(grouped.accept(row('zz', T1))).toBe(false);
  });

  it('resumes from a checkpoint: drops the listed ids at lastCreated and anything earlier, keeps the rest', () => {
    const cursor: CloseCursor = { lastCreated: T2, idsAtLast: ['b', 'c'] };
    const grouped = new GroupedRows(cursor);
    const page = feed(grouped, [
      ['b', T2],
      ['c', T2],
      ['d', T2],
      ['e', T3],
    ]);
    expect(page.fresh).toBe(2);
    expect(idsOf(page.page)).toEqual(['d']);
    // d completes the group at T2 that the checkpoint had begun: the cursor lists all three.
    expect(page.page!.cursor).toEqual({ lastCreated: T2, idsAtLast: ['b', 'c', 'd'] });
    expect(grouped.accept(row('q', T1))).toBe(false);
  });

  it('compares instants, not strings: the same instant with another offset is the same timestamp', () => {
    const grouped = new GroupedRows({ lastCreated: '2018-10-01T14:00:00.123457+02:00', idsAtLast: ['b'] });
    expect(grouped.accept(row('b', T2))).toBe(false);
    expect(grouped.accept(row('c', '2018-10-01T12:00:00.123457Z'))).toBe(true);
    // Later by instant, although earlier as a string.
    expect(grouped.accept(row('d', '2018-10-01T08:00:01.000000-04:00'))).toBe(true);
    expect(idsOf(grouped.finish())).toEqual(['c', 'd']);
  });

  it('writes a large group as "one microsecond later, no ids", which resumes to the same place', () => {
    const big = Array.from({ length: 2000 }, (_, i) => [`s${String(i).padStart(4, '0')}`, T1] as [string, string]);
    const grouped = new GroupedRows(null);
    // 2,000 rows over ten pages of 200: nothing is released while the group may continue.
    for (let k = 0; k < 10; k++) expect(feed(grouped, big.slice(k * 200, (k + 1) * 200)).page).toBeNull();
    // A walk restarted in the middle of the block (cursor expired) re-reads part of it: all old.
    expect(feed(grouped, big.slice(500, 900)).fresh).toBe(0);
    const page = feed(grouped, [['after', T3]]).page!;
    expect(page.rows).toHaveLength(2000);
    expect(page.cursor).toEqual({ lastCreated: T2, idsAtLast: [] });
    expect(JSON.stringify(page.cursor).length).toBeLessThan(100);

    const resumed = new GroupedRows(page.cursor as CloseCursor);
    expect(big.every(([id, created]) => !resumed.accept(row(id, created)))).toBe(true);
    expect(resumed.accept(row('after', T3))).toBe(true);
  });

  it(`lists up to ${MAX_IDS_IN_CURSOR} ids at the last timestamp`, () => {
    const ids = Array.from({ length: MAX_IDS_IN_CURSOR }, (_, i) => `t${i}`);
    const grouped = new GroupedRows(null);
    for (const id of ids) grouped.accept(row(id, T3));
    expect(grouped.finish()!.cursor).toEqual({ lastCreated: T3, idsAtLast: ids });
  });

  it('refuses a cursor that is not a Close cursor', () => {
    expect(() => new GroupedRows({ lastId: 17 } as unknown as CloseCursor)).toThrow(BulkExportError);
    expect(() => new GroupedRows({ lastCreated: 'yesterday', idsAtLast: [] })).toThrow(/Not a Close checkpoint cursor/);
  });

  it('refuses rows without an id or a readable date_created', () => {
    expect(() => keyOf({ id: 'cont_a' })).toThrow(/without a string id and an ISO 8601 date_created/);
    expect(() => keyOf({ id: 7, date_created: T1 })).toThrow(BulkExportError);
  });
});
