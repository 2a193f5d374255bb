import type { ColumnType } from './column-types.js';
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

/** Snowflake's limit of file names in one COPY INTO ... FILES = (...). */
const FILES_PER_COPY = 1000;

/** The storage integration the reader replaces (named in the output's header). */
export const SNOWFLAKE_INTEGRATION = 'bulk_export_s3_integration';

const FILE_FORMAT = 'FILE_FORMAT = (TYPE = PARQUET USE_LOGICAL_TYPE = TRUE)';

/**
 * Snowflake: an external stage on the table's folder (through a storage integration), a table, and per
 * committed export a COPY INTO with the exact file names of its manifest, at most 1,000 per statement,
 * columns matched by name (https://docs.snowflake.com/en/sql-reference/sql/create-stage,
 * https://docs.snowflake.com/en/sql-reference/sql/copy-into-table,
 * https://docs.snowflake.com/en/user-guide/data-load-considerations-load#lists-of-files).
 * Each export's rows are deleted before its COPY (FORCE = TRUE), so running the statements again leaves
 * every export's rows exactly once.
 */
export const snowflakeDdl: DdlTarget = {
  name: 'snowflake',
  needsLoadFiles: false,
  render(input: DdlInput): string {
    const { parquet, other } = splitByFormat(input.exports);
    const columns = unionColumns(parquet);
    const table = identifier(input.name);
    const stage = identifier(`${input.name}_stage`);
    const current = `${input.name}_current`;
    const lines = [
      header(input, 'snowflake', [
        `Replace ${SNOWFLAKE_INTEGRATION} with your storage integration (CREATE STORAGE INTEGRATION ... STORAGE_AWS_ROLE_ARN =`,
        "'arn:aws:iam::<account>:role/<role>', which an ACCOUNTADMIN creates): no credential is written here.",
        input.scope === 'table'
          ? `${input.name} is created anew and loaded with every export.`
          : `This adds the export to ${input.name} (created if it does not exist), replacing its rows if it was loaded before.`,
        ...leftOut(other, 'NDJSON exports: read them with --target duckdb'),
        '',
        ...currentRowsComment(input.table, columns, current),
      ]),
      '',
      `CREATE STAGE IF NOT EXISTS ${stage}`,
      `  URL = ${sqlString(`${s3Url(input.table.bucket, input.table.folder)}/`)}`,
      `  STORAGE_INTEGRATION = ${SNOWFLAKE_INTEGRATION}`,
      `  ${FILE_FORMAT};`,
      '',
      `${input.scope === 'table' ? 'CREATE OR REPLACE TABLE' : 'CREATE TABLE IF NOT EXISTS'} ${table} (`,
      columns.map((column) => `  ${identifier(column.name)} ${snowflakeType(column.type)}`).join(',\n'),
      ');',
      '',
    ];
    if (input.scope === 'export') {
      // A table created by an earlier export may lack columns this one has.
      for (const column of columns)
        lines.push(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${identifier(column.name)} ${snowflakeType(column.type)};`);
      lines.push('');
    }
    for (const entry of parquet) {
      if (entry.manifest.parts.length === 0) {
        lines.push(`-- ${entry.exportId}: no rows`, '');
        continue;
      }
      const files = entry.manifest.parts.map((part) => sqlString(part.key.slice(entry.folder.length + 1)));
      lines.push(`-- ${entry.exportId}: ${count(entry.manifest.parts.length, 'part')}, ${count(entry.manifest.rows, 'row')}`, 'BEGIN;');
      if (input.scope === 'export') lines.push(`DELETE FROM ${table} WHERE ${identifier(EXPORT_ID_COLUMN)} = ${sqlString(entry.exportId)};`);
      for (let start = 0; start < files.length; start += FILES_PER_COPY) {
        lines.push(
          `COPY INTO ${table}`,
          `  FROM ${sqlString(`@${stage}/${entry.folder.slice(input.table.folder.length + 1)}/`)}`,
          `  FILES = (${files.slice(start, start + FILES_PER_COPY).join(', ')})`,
          `  ${FILE_FORMAT}`,
          '  MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE',
          '  FORCE = TRUE',
          '  ON_ERROR = ABORT_STATEMENT;',
        );
      }
      lines.push('COMMIT;', '');
    }
    const { modified } = currentOrder(input.table, columns);
    const order = [...(modified ? [`${identifier(modified)} DESC NULLS LAST`] : []), `${identifier(EXPORT_ID_COLUMN)} DESC`].join(', ');
    lines.push(
      `CREATE OR REPLACE VIEW ${identifier(current)} AS`,
      `SELECT * FROM ${table}`,
      `QUALIFY ROW_NUMBER() OVER (PARTITION BY ${identifier(input.table.key)} ORDER BY ${order}) = 1;`,
      '',
    );
    return lines.join('\n');
  },
};

export function snowflakeType(type: ColumnType): string {
  switch (type.kind) {
    case 'scalar':
      return {
        BIGINT: 'NUMBER(38,0)',
        INTEGER: 'NUMBER(38,0)',
        SMALLINT: 'NUMBER(38,0)',
        TINYINT: 'NUMBER(38,0)',
        DOUBLE: 'FLOAT',
        FLOAT: 'FLOAT',
        VARCHAR: 'VARCHAR',
        BOOLEAN: 'BOOLEAN',
        DATE: 'DATE',
        TIMESTAMP: 'TIMESTAMP_NTZ',
        'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP_TZ',
        BLOB: 'BINARY',
      }[type.name];
    case 'decimal':
      return `NUMBER(${type.precision},${type.scale})`;
    case 'list':
      return 'ARRAY';
    case 'struct':
      return 'OBJECT';
  }
}

/** Words Snowflake reserves that a column could be named (a name that is one is quoted). */
const RESERVED = new Set(
  'ACCOUNT ALL ALTER AND ANY AS BETWEEN BY CASE CAST CHECK COLUMN CONNECT CONNECTION CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER DATABASE DELETE DISTINCT DROP ELSE EXISTS FALSE FOLLOWING FOR FROM FULL GRANT GROUP GSCLUSTER HAVING ILIKE IN INCREMENT INNER INSERT INTERSECT INTO IS ISSUE JOIN LATERAL LEFT LIKE LOCALTIME LOCALTIMESTAMP MINUS NATURAL NOT NULL OF ON OR ORDER ORGANIZATION QUALIFY REGEXP REVOKE RIGHT RLIKE ROW ROWS SAMPLE SCHEMA SELECT SET SOME START TABLE TABLESAMPLE THEN TO TRIGGER TRUE TRY_CAST UNION UNIQUE UPDATE USING VALUES VIEW WHEN WHENEVER WHERE WITH'.split(
    ' ',
  ),
);

/**
 * A plain name stays unquoted (Snowflake stores it in upper case; COPY matches Parquet columns case-insensitively);
 * any other name is quoted, and then keeps its case.
 */
function identifier(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_$]*$/.test(name) && !RESERVED.has(name.toUpperCase()) ? name : `"${name.replaceAll('"', '""')}"`;
}
