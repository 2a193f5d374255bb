import type { Column, ColumnType } from './column-types.js';
import { unionColumns } from './column-types.js';
import {
  currentOrder,
  currentRowsComment,
  EXPORT_ID_COLUMN,
  header,
  leftOut,
  s3Url,
  splitByFormat,
  sqlString,
  count,
  type DdlInput,
  type DdlTarget,
} from './ddl-target.js';
import { redshiftManifestKey } from './load-files.js';

/** The staging table each export is copied into (COPY from Parquet fills columns by position). */
const STAGING = 'bulk_export_load';

/**
 * Redshift: a table, and per committed export a COPY ... FORMAT AS PARQUET MANIFEST from the export's
 * `_load/redshift-manifest.json` (every part with `meta.content_length`, which Parquet requires) into a
 * staging table with the export's own columns in file order, then an INSERT by column name, so exports
 * whose columns differ land in one table (https://docs.aws.amazon.com/redshift/latest/dg/r_COPY.html,
 * https://docs.aws.amazon.com/redshift/latest/dg/loading-data-files-using-manifest.html,
 * https://docs.aws.amazon.com/redshift/latest/dg/copy-usage_notes-copy-from-columnar.html).
 */
export const redshiftDdl: DdlTarget = {
  name: 'redshift',
  needsLoadFiles: true,
  render(input: DdlInput): string {
    const { parquet, other } = splitByFormat(input.exports);
    const columns = unionColumns(parquet);
    const table = quote(input.name);
    const current = `${input.name}_current`;
    const lines = [
      header(input, 'redshift', [
        "IAM_ROLE default is the role set as the cluster's (or workgroup's) default; or write IAM_ROLE",
        "'arn:aws:iam::<account>:role/<role>' for a role that may read the bucket. No credential is written here.",
        input.scope === 'table'
          ? `${input.name} is created anew and loaded with every export.`
          : `This adds the export to ${input.name} (created if it does not exist), replacing its rows if it was loaded before.`,
        ...leftOut(other, 'NDJSON exports: read them with --target duckdb'),
        '',
        ...currentRowsComment(input.table, columns, current),
      ]),
      '',
    ];
    if (input.scope === 'table') lines.push(`DROP VIEW IF EXISTS ${quote(current)};`, `DROP TABLE IF EXISTS ${table};`, '');
    lines.push(`CREATE TABLE IF NOT EXISTS ${table} (`, columnList(columns), ');', '');
    for (const entry of parquet) {
      if (entry.manifest.parts.length === 0) {
        lines.push(`-- ${entry.exportId}: no rows (a COPY needs at least one file)`, '');
        continue;
      }
      const names = entry.columns.map((column) => quote(column.name)).join(', ');
      const nested = entry.columns.some((column) => column.type.kind === 'struct' || column.type.kind === 'list');
      lines.push(
        `-- ${entry.exportId}: ${count(entry.manifest.parts.length, 'part')}, ${count(entry.manifest.rows, 'row')}`,
        'BEGIN;',
        `CREATE TEMP TABLE ${STAGING} (`,
        columnList(entry.columns),
        ');',
        `COPY ${STAGING}`,
        `FROM ${sqlString(s3Url(input.table.bucket, redshiftManifestKey(entry.folder)))}`,
        'IAM_ROLE default',
        `FORMAT AS PARQUET${nested ? ' SERIALIZETOJSON' : ''}`,
        'MANIFEST;',
        ...(input.scope === 'export' ? [`DELETE FROM ${table} WHERE ${quote(EXPORT_ID_COLUMN)} = ${sqlString(entry.exportId)};`] : []),
        `INSERT INTO ${table} (${names})`,
        `SELECT ${names} FROM ${STAGING};`,
        `DROP TABLE ${STAGING};`,
        'END;',
        '',
      );
    }
    const { modified } = currentOrder(input.table, columns);
    const order = [...(modified ? [`${quote(modified)} DESC NULLS LAST`] : []), `${quote(EXPORT_ID_COLUMN)} DESC`].join(', ');
    lines.push(
      `CREATE OR REPLACE VIEW ${quote(current)} AS`,
      `SELECT * FROM ${table}`,
      `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${quote(input.table.key)} ORDER BY ${order}) = 1;`,
      '',
    );
    return lines.join('\n');
  },
};

function columnList(columns: readonly Column[]): string {
  return columns.map((column) => `  ${quote(column.name)} ${redshiftType(column.type)}`).join(',\n');
}

export function redshiftType(type: ColumnType): string {
  switch (type.kind) {
    case 'scalar':
      return {
        BIGINT: 'BIGINT',
        INTEGER: 'INTEGER',
        SMALLINT: 'SMALLINT',
        TINYINT: 'SMALLINT',
        DOUBLE: 'DOUBLE PRECISION',
        FLOAT: 'REAL',
        VARCHAR: 'VARCHAR(MAX)',
        BOOLEAN: 'BOOLEAN',
        DATE: 'DATE',
        TIMESTAMP: 'TIMESTAMP',
        'TIMESTAMP WITH TIME ZONE': 'TIMESTAMPTZ',
        BLOB: 'VARBYTE(MAX)',
      }[type.name];
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'list':
    case 'struct':
      return 'SUPER';
  }
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
