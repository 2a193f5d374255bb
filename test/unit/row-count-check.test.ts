import { UnrecoverableError } from '../../src/queue/bullmq.js';
import { describe, expect, it } from 'vitest';
import { RowCountMismatchError } from '../../src/errors/index.js';
import type { ExportSpec } from '../../src/queue/export-spec.js';
import { initialCheckpoint, type RangeCheckpoint } from '../../src/queue/range-checkpoint.js';
import {
  compareRowCounts,
  refuseMismatchedRowCounts,
  rowCountTolerance,
  type RangeRowCount,
  type RowCountInput,
} from '../../src/queue/row-count-check.js';
import { continuedCount, countedPage, NOTHING_READ } from '../../src/sources/api-row-count.js';

const full = (plannedRows: number, ranges: RangeRowCount[]): RowCountInput => ({ sourceName: 'Virtuous', plannedRows, comparison: 'full', ranges });
const range = (rangeIndex: number, written: number, read?: number, reported: number | null = null): RangeRowCount => ({
  rangeIndex,
  written,
  ...(read === undefined ? {} : { apiCount: { read, reported } }),
});

describe('the row-count tolerance', () => {
  it('is the larger of 50 rows and 2% of the planned count', () => {
    expect(rowCountTolerance(0)).toBe(50);
    expect(rowCountTolerance(2500)).toBe(50);
    expect(rowCountTolerance(100_000)).toBe(2000);
    expect(rowCountTolerance(100_001)).toBe(2001);
  });
});

describe('compareRowCounts', () => {
  it('accepts a full export within the tolerance both ways (records created or deleted meanwhile)', () => {
    expect(compareRowCounts(full(100_000, [range(0, 50_000, 50_000, 50_000), range(1, 51_990, 51_990, 51_990)])).problems).toEqual([]);
    expect(compareRowCounts(full(100_000, [range(0, 49_000, 49_000, 49_000), range(1, 49_000, 49_000, 49_000)])).problems).toEqual([]);
  });

  it("refuses the review's faults: 4,000 of 100,000 rows, and 250,000 of 100,000", () => {
    expect(compareRowCounts(full(100_000, [range(0, 4000, 4000, 4000)])).problems).toEqual([
      'Virtuous counted 100,000 rows when planning, but only 4,000 were read',
    ]);
    expect(compareRowCounts(full(100_000, [range(0, 250_000, 250_000, 250_000)])).problems).toEqual([
      'Virtuous counted 100,000 rows when planning, but 250,000 were read',
    ]);
  });

  it("refuses rows the API's own totals promised but did not return, range by range", () => {
    // Range 1 read more than it reported (creations): that does not hide range 0's loss.
    const verdict = compareRowCounts(full(1000, [range(0, 400, 400, 500), range(1, 560, 560, 500)]));
    expect(verdict.problems).toEqual([
      'Virtuous returned 100 rows fewer than its own totals said the ranges hold (worst: range 0, 500 reported, 400 returned)',
    ]);
    expect(verdict.reportedRows).toBe(1000);
  });

  it('compares the rows read, not written, for Virtuous exports of changes, with no upper bound', () => {
    // 10,000 passed the pre-filter when planning; 9,990 were read and 120 of them kept by the exact cut.
    const changes = (ranges: RangeRowCount[]): RowCountInput => ({
      sourceName: 'Virtuous',
      plannedRows: 10_000,
      comparison: 'changes-by-id',
      ranges,
    });
    expect(compareRowCounts(changes([range(0, 120, 9990, 9990)])).problems).toEqual([]);
    // Contacts modified during the export join the pre-filtered set: many more read is not a fault.
    expect(compareRowCounts(changes([range(0, 5000, 30_000, 30_000)])).problems).toEqual([]);
    expect(compareRowCounts(changes([range(0, 120, 5000, 5000)])).problems).toEqual([
      'Virtuous counted 10,000 rows passed the date pre-filter when planning, but only 5,000 were read',
    ]);
    // A checkpoint rebuilt from S3 cannot say how many it read: no comparison with the plan.
    expect(compareRowCounts(changes([range(0, 120)])).readRows).toBeNull();
    expect(compareRowCounts(changes([range(0, 120)])).problems).toEqual([]);
  });

  it('has no lower bound for Close exports of changes (records modified meanwhile leave the fixed window)', () => {
    const window = (written: number): RowCountInput => ({
      sourceName: 'Close',
      plannedRows: 1000,
      comparison: 'changes-window',
      ranges: [range(0, written)],
    });
    expect(compareRowCounts(window(10)).problems).toEqual([]);
    expect(compareRowCounts(window(1100)).problems).toEqual(['Close counted 1,000 rows when planning, but 1,100 were read']);
  });

  it('takes a trial export (--limit) at its word: the rows asked for, or all the API holds, never more', () => {
    const trial = (plannedRows: number, ranges: RangeRowCount[]): RowCountInput => ({ ...full(plannedRows, ranges), limit: 500 });
    // It stops reading at 500 although the API said 20,000 match.
    expect(compareRowCounts(trial(500, [range(0, 500, 1000, 20_000)])).problems).toEqual([]);
    expect(compareRowCounts(trial(120, [range(0, 120, 120, 120)])).problems).toEqual([]);
    expect(compareRowCounts(trial(500, [range(0, 600, 1000, 20_000)])).problems).toEqual([
      'the trial export wrote 600 rows, more than its --limit 500',
    ]);
    expect(compareRowCounts(trial(500, [range(0, 300, 300, 20_000)])).problems).toEqual([
      'Virtuous holds at least 500 of the 500 rows the trial export asked for, but only 300 were read',
    ]);
  });

  it('exceeds no planned count of 0 (Close may answer planning without a count)', () => {
    expect(compareRowCounts({ sourceName: 'Close', plannedRows: 0, comparison: 'full', ranges: [range(0, 5000)] }).problems).toEqual([]);
  });
});

describe('continued API counts', () => {
  it('adds the rows read and keeps the largest total claimed, across a resume from a checkpoint', () => {
    let count = countedPage(NOTHING_READ, 100, 300);
    count = countedPage(count, 100, 190);
    expect(count).toEqual({ read: 200, reported: 300 });
    const resumed = continuedCount(count, countedPage(countedPage(NOTHING_READ, 90, 95), 5, 5));
    expect(resumed).toEqual({ read: 295, reported: 300 });
    expect(continuedCount({ read: 10, reported: null }, { read: 5, reported: null })).toEqual({ read: 15, reported: null });
  });
});

describe('refuseMismatchedRowCounts', () => {
  const spec = {
    exportId: 'exp-20261130t120000-abcdef',
    source: { kind: 'virtuous', baseUrl: 'http://x', credentialVariable: 'VIRTUOUS_API_TOKEN', credentialFingerprint: 'f', settings: {} },
    destination: { bucket: 'b', prefix: 'crm' },
    plannedRows: 100_000,
  } as unknown as ExportSpec;
  const done = (rows: number, read: number, reported: number): RangeCheckpoint => ({
    ...initialCheckpoint(),
    rows,
    done: true,
    apiCount: { read, reported },
  });

  it('fails the commit for good with a typed cause that says what disagreed and what to do', () => {
    let thrown: unknown;
    try {
      refuseMismatchedRowCounts(spec, [done(4000, 4000, 4000)]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnrecoverableError);
    expect((thrown as Error).cause).toBeInstanceOf(RowCountMismatchError);
    expect((thrown as Error).message).toBe(
      'Refusing to commit exp-20261130t120000-abcdef: Virtuous counted 100,000 rows when planning, but only 4,000 were read. ' +
        'That is more than records created, deleted or archived during the export explain (tolerance: 2,000 rows, the larger of 50 and 2% of the 100,000 planned), ' +
        'so the API lost or invented rows. No _SUCCESS was written to s3://b/crm/exp-20261130t120000-abcdef/. ' +
        'Start the export again; if the counts disagree again, check that VIRTUOUS_BASE_URL reaches the Virtuous API directly.',
    );
  });

  it('returns the verdict when the counts agree', () => {
    expect(refuseMismatchedRowCounts(spec, [done(60_000, 60_000, 60_000), done(40_100, 40_100, 40_100)])).toMatchObject({
      problems: [],
      readRows: 100_100,
      writtenRows: 100_100,
    });
  });
});
