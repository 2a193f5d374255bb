import type { PartFormat } from './part-format.js';

/** A part that S3 confirmed and a checkpoint recorded. */
export interface CommittedPart {
  key: string;
  rows: number;
  bytes: number;
  firstId: string | number | null;
  lastId: string | number | null;
  rangeIndex: number;
  sequence: number;
}

/** `<prefix>/<exportId>/_manifest.json`: the only list of parts that belong to the export. */
export interface ExportManifest {
  exportId: string;
  source: string;
  format: PartFormat;
  compression: 'zstd' | 'gzip' | 'none';
  schema: string;
  rows: number;
  parts: CommittedPart[];
  ranges: number;
  startedAt: string;
  endedAt: string;
}

export const MANIFEST_NAME = '_manifest.json';
export const SUCCESS_MARKER = '_SUCCESS';
