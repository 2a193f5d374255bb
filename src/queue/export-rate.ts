import type { ExportStatus } from './export-status.js';

/** Rows in committed parts at one instant: what an export's rate is measured from. */
export interface RowSample {
  /** Epoch milliseconds. */
  at: number;
  rows: number;
}

/** How long a measured rate looks back. */
export const RATE_WINDOW_MS = 60_000;
/** A rate needs samples at least this far apart. */
export const MIN_RATE_SPAN_MS = 1_000;

/**
 * `samples` with `sample` added, as a rate over the last minute needs them: samples older than the window
 * dropped (the first one kept while the second is still inside it), and the samples before the first part
 * left out (time spent queued or starting workers is not the export's rate). With `minGapMs`, a sample
 * closer than that to the one before the newest replaces the newest, so a long-lived list stays short.
 */
export function addRowSample(samples: readonly RowSample[], sample: RowSample, minGapMs = 0): RowSample[] {
  const next = [...samples];
  const beforeNewest = next.at(-2);
  if (minGapMs > 0 && beforeNewest && sample.at - beforeNewest.at < minGapMs) next[next.length - 1] = sample;
  else next.push(sample);
  while (next.length > 2 && sample.at - next[1]!.at > RATE_WINDOW_MS) next.shift();
  while (next.length > 1 && next[1]!.rows === 0) next.shift();
  return next;
}

/**
 * Rows per second over the samples of the last minute; before the samples span MIN_RATE_SPAN_MS with
 * some progress, the average since the export was created; null when nothing can be said yet.
 */
export function measuredRate(samples: readonly RowSample[], status: Pick<ExportStatus, 'rows' | 'createdAt'>, now: number): number | null {
  const first = samples[0];
  const last = samples.at(-1);
  if (first && last && last.at - first.at >= MIN_RATE_SPAN_MS && last.rows > first.rows) {
    return (last.rows - first.rows) / ((last.at - first.at) / 1000);
  }
  const elapsed = (now - Date.parse(status.createdAt)) / 1000;
  if (status.rows > 0 && elapsed > 0) return status.rows / elapsed;
  return null;
}

/** Seconds left at `rate` for the rows left (planned rows are an estimate, so never below 0). */
export function etaSeconds(status: Pick<ExportStatus, 'rows' | 'plannedRows' | 'state'>, rate: number | null): number | null {
  if (status.state === 'committed') return 0;
  if (rate === null || rate <= 0) return null;
  return Math.round(Math.max(0, status.plannedRows - status.rows) / rate);
}
