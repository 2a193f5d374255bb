import { describe, expect, it } from 'vitest';
import { initialCheckpoint, type RangeCheckpoint } from '../../../src/queue/range-checkpoint.js';
import type { RangeProgress } from '../../../src/queue/range-job.js';
import { progressOf, RangeProgressReporter } from '../../../src/queue/range/range-progress-reporter.js';

const committed = (rows: number): RangeCheckpoint => ({
  ...initialCheckpoint(),
  rows,
  nextSequence: 1,
  parts: [{ key: 'p0', rows, bytes: 1, firstKey: 1, lastKey: rows, rangeIndex: 0, sequence: 0 }],
});

describe('range progress', () => {
  it('shows the rows read, the committed rows and parts, and a percent below 100 until the range is done', () => {
    expect(progressOf(committed(1000), 1500, 3000)).toEqual({ rows: 1500, committedRows: 1000, parts: 1, lastKey: 1000, pct: 50, progress: 50 });
    expect(progressOf(committed(1000), 4000, 3000).pct).toBe(99);
    expect(progressOf(initialCheckpoint(), 10, 0)).toMatchObject({ rows: 10, pct: 0, lastKey: null });
  });

  it('reports after each part, between parts at most once per interval, and 100 when done', async () => {
    const reported: RangeProgress[] = [];
    let now = 0;
    const reporter = new RangeProgressReporter({ updateProgress: async (progress) => reported.push(progress) }, 2000, 1000, () => now);
    now = 999;
    await reporter.reportWhenDue(initialCheckpoint(), 200);
    expect(reported).toEqual([]);
    now = 1000;
    await reporter.reportWhenDue(initialCheckpoint(), 400);
    await reporter.reportWhenDue(initialCheckpoint(), 600);
    await reporter.report(committed(1000), 1000);
    now = 1500;
    await reporter.reportWhenDue(committed(1000), 1200);
    await reporter.done(committed(2000));
    expect(reported.map((progress) => [progress.rows, progress.committedRows, progress.pct])).toEqual([
      [400, 0, 20],
      [1000, 1000, 50],
      [2000, 2000, 100],
    ]);
  });
});
