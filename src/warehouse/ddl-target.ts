import type { ExportManifest } from '../sinks/manifest.js';
import type { WarehouseTableDescription } from '../sources/record-type.js';
import type { Column } from './column-types.js';

/**
 * The manifest as `ddl` reads it: its table and its columns (types as DuckDB names them). A manifest written
 * before tables has neither; `listCommittedExports` refuses it.
 */
export type WarehouseManifest = ExportManifest;

/** One table of the destination: `<source>/<object>`, what its source says about its records, and where it is. */
export interface WarehouseTable extends WarehouseTableDescription {
  source: string;
  /** `virtuous/contacts` */
  name: string;
  bucket: string;
  /** `PREFIX/virtuous/contacts`: the table's folder key, without a trailing slash. */
  folder: string;
}

/** A committed export of the table: `_SUCCESS` exists, and its manifest names its parts. */
export interface CommittedExport {
  exportId: string;
  /** `PREFIX/virtuous/contacts/export_id=<id>`, without a trailing slash. */
  folder: string;
  manifest: WarehouseManifest;
  columns: Column[];
}

/** What an engine's statements are made from. */
export interface DdlInput {
  table: WarehouseTable;
  /** Oldest first (export ids sort by time). */
  exports: CommittedExport[];
  /** `table`: the union of every committed export (a rebuild); `export`: one export, added to what is there. */
  scope: 'table' | 'export';
  /** Base name of the objects created, e.g. `virtuous_contacts` (its current-rows view adds `_current`). */
  name: string;
  /** Where S3 is, for engines that are told (DuckDB); never any credential. */
  s3: { region: string; endpoint: string | undefined };
  /** Lines for the header: load files written by this run, and the like. */
  notes: string[];
}

/** One warehouse engine: its statements for a table, and the files on S3 it needs beside the parts (if any). */
export interface DdlTarget {
  readonly name: DdlTargetName;
  /** The statements, ready to run, separated by `;` and newlines, with `--` comments. */
  render(input: DdlInput): string;
  /** Whether the statements read `_load/` files of each export (see load-files.ts). */
  readonly needsLoadFiles: boolean;
}

export const DDL_TARGET_NAMES = ['duckdb', 'athena', 'bigquery', 'snowflake', 'redshift'] as const;
export type DdlTargetName = (typeof DDL_TARGET_NAMES)[number];

/** `s3://BUCKET/KEY` */
export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** `1 part`, `3 parts` */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** A SQL string literal ('...' with quotes doubled): every engine here reads it alike. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** The header every engine's output starts with: what it reads, and what a reader must know. */
export function header(input: DdlInput, engine: string, lines: string[]): string {
  const ids = input.exports.map((entry) => entry.exportId);
  const rows = input.exports.reduce((sum, entry) => sum + entry.manifest.rows, 0);
  const what = input.scope === 'export' ? `export ${ids[0]} of ${input.table.name}` : `${input.table.name}: ${count(ids.length, 'committed export')}`;
  return [
    `-- bulk-export ddl --target ${engine}: ${what} (${count(rows, 'row')}) at ${s3Url(input.table.bucket, input.table.folder)}/`,
    ...(input.scope === 'table' ? [`-- exports, oldest first: ${ids.join(', ')}`] : []),
    "-- Reads exactly the parts each committed export's _manifest.json names (never a stray or unfinished part).",
    ...input.notes.map((note) => `-- ${note}`),
    ...lines.map((line) => (line === '' ? '--' : `-- ${line}`)),
  ].join('\n');
}

/** What the current-rows view does, and what it cannot (archived and deleted records), as comment lines. */
export function currentRowsComment(table: WarehouseTable, columns: readonly Column[], view: string): string[] {
  const names = new Set(columns.map((column) => column.name));
  const lines = [`${view}: the latest version of each record (one row per ${table.key}),`];
  if (table.modifiedColumn && names.has(table.modifiedColumn)) {
    lines.push(`  by ${table.modifiedColumn} (newest first), then by export (the later export wins a tie).`);
  } else if (table.modifiedColumn) {
    lines.push(`  by the latest export: these exports carry no ${table.modifiedColumn} column.`);
  } else {
    lines.push(`  by the latest export: ${table.name} records carry no modification time.`);
  }
  if (table.archivedColumn === null) {
    lines.push(
      `  Archived records are not flagged: ${table.source} records carry no archived flag, so an archived record an export`,
      '  read is an ordinary row. Records deleted at the source stay: no export sees a deletion.',
    );
  }
  return lines;
}

/** The columns the current-rows view orders by, present in the table: [modified?, `_export_id`]. */
export function currentOrder(table: WarehouseTable, columns: readonly Column[]): { modified: string | undefined } {
  const names = new Set(columns.map((column) => column.name));
  return { modified: table.modifiedColumn && names.has(table.modifiedColumn) ? table.modifiedColumn : undefined };
}

/** The lineage column every Parquet row carries (the export that wrote it). */
export { EXPORT_ID_COLUMN } from '../sinks/parquet-columns.js';

/** Exports whose parts are Parquet, and the rest (NDJSON), which only DuckDB reads here. */
export function splitByFormat(exports: readonly CommittedExport[]): { parquet: CommittedExport[]; other: CommittedExport[] } {
  return {
    parquet: exports.filter((entry) => entry.manifest.format === 'parquet'),
    other: exports.filter((entry) => entry.manifest.format !== 'parquet'),
  };
}

/** Comment lines for exports an engine leaves out, and why. */
export function leftOut(exports: readonly CommittedExport[], why: string): string[] {
  return exports.length === 0 ? [] : [`Left out (${why}): ${exports.map((entry) => entry.exportId).join(', ')}.`];
}
