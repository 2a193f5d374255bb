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

/** What a range job reports while it runs (shown in Bull Board and by `status`). */
export interface RangeProgress {
  rows: number;
  parts: number;
  lastKey: string | number | null;
  pct: number;
}

export function rangeJobId(exportId: string, rangeIndex: number): string {
  return `${exportId}-r${rangeIndex}`;
}
