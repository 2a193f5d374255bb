import type { ExportRange } from '../planning/export-range.js';

/** Objects beside the parts that let an export be rebuilt from S3 alone. */
export const EXPORT_DESCRIPTOR_NAME = '_export.json';

export function rangeDoneKey(folder: string, rangeIndex: number): string {
  return `${folder}/_ranges/r${String(rangeIndex).padStart(5, '0')}.done`;
}

export const RANGE_DONE_PATTERN = /\/_ranges\/r(\d+)\.done$/;

/** `_export.json`: the spec and the planned ranges, written before any range runs. */
export interface ExportDescriptor<Spec> {
  spec: Spec;
  ranges: ExportRange[];
}
