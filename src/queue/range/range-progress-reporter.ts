import type { RangeCheckpoint } from '../range-checkpoint.js';
import type { RangeProgress } from '../range-job.js';

/** Progress between parts is reported at most this often (one Redis command each). */
export const PROGRESS_INTERVAL_MS = 1_000;

/** A range's progress: `rowsRead` counts every row read once (committed, being written, or in the part being filled). */
export function progressOf(checkpoint: RangeCheckpoint, rowsRead: number, estimatedRows: number): RangeProgress {
  const pct = estimatedRows > 0 ? Math.min(99, Math.floor((rowsRead / estimatedRows) * 100)) : 0;
  const lastKey = checkpoint.parts.at(-1)?.lastKey ?? null;
  return { rows: rowsRead, committedRows: checkpoint.rows, parts: checkpoint.parts.length, lastKey, pct, progress: pct };
}

/** Reports a range's progress on its job (Bull Board, `status --watch`): after each part, and between parts at most every `intervalMs`. */
export class RangeProgressReporter {
  private lastReportedAt: number;

  constructor(
    private readonly job: { updateProgress(progress: RangeProgress): Promise<unknown> },
    private readonly estimatedRows: number,
    private readonly intervalMs: number = PROGRESS_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.lastReportedAt = now();
  }

  async report(checkpoint: RangeCheckpoint, rowsRead: number): Promise<void> {
    this.lastReportedAt = this.now();
    await this.job.updateProgress(progressOf(checkpoint, rowsRead, this.estimatedRows));
  }

  /** Reports unless the last report is more recent than the interval. */
  async reportWhenDue(checkpoint: RangeCheckpoint, rowsRead: number): Promise<void> {
    if (this.now() - this.lastReportedAt >= this.intervalMs) await this.report(checkpoint, rowsRead);
  }

  /** The range is done: all its rows are committed. */
  async done(checkpoint: RangeCheckpoint): Promise<void> {
    await this.job.updateProgress({ ...progressOf(checkpoint, checkpoint.rows, this.estimatedRows), pct: 100, progress: 100 });
  }
}
