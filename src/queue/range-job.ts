import type { ExportRange } from '../planning/export-range.js';
import type { CommittedPart } from '../sinks/manifest.js';
import type { ExportSpec } from './export-spec.js';

export interface RangeJobData {
  spec: ExportSpec;
  range: ExportRange;
}

export interface RangeJobResult {
  rangeIndex: number;
  rows: number;
  parts: CommittedPart[];
}

/** What a range job reports while it runs (shown in Bull Board and by `status --watch`). */
export interface RangeProgress {
  /** Rows read so far in this range, committed or still buffered for the next part. */
  rows: number;
  /** Rows in committed parts. */
  committedRows: number;
  parts: number;
  /** Key of the last committed row. */
  lastKey: string | number | null;
  pct: number;
  /** The same as `pct`, under the name Bull Board's flow view reads. */
  progress: number;
}

export function rangeJobId(exportId: string, rangeIndex: number): string {
  return `${exportId}-r${rangeIndex}`;
}
