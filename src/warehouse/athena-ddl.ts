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
  type DdlInput,
  type DdlTarget,
} from './ddl-target.js';
import { athenaSymlinkFolder } from './load-files.js';

/** ALTER TABLE ADD PARTITION statements are kept to this many partitions each. */
const PARTITIONS_PER_STATEMENT = 100;

/**
 * Athena: one external table partitioned by `export_id`, stored as SymlinkTextInputFormat with the Parquet
 * SerDe; each committed export is a partition whose LOCATION is its `_load/athena-symlink/` folder, whose
 * only file lists exactly the parts of the export's manifest. Checked against
 * https://docs.aws.amazon.com/athena/latest/ug/create-table.html,
 * https://docs.aws.amazon.com/athena/latest/ug/alter-table-add-partition.html and the symlink table of
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-inventory-athena-query.html.
 */
export const athenaDdl: DdlTarget = {
  name: 'athena',
  needsLoadFiles: true,
  render(input: DdlInput): string {
    const { parquet, other } = splitByFormat(input.exports);
    const columns = unionColumns(parquet);
    const table = ddlName(input.name);
    const current = `${input.name}_current`;
    const lines = [
      header(input, 'athena', [
        'Run the statements one at a time (Athena takes one statement per query). No credentials: Athena reads S3 as the',
        'IAM principal running the query, which needs s3:GetObject on the parts and the _load/ files, and s3:ListBucket.',
        'Each export is a partition (export_id) whose LOCATION is its _load/athena-symlink/ folder: one file listing exactly',
        'the parts of its manifest. Add partitions only this way: MSCK REPAIR TABLE would add the export folders themselves.',
        ...(input.scope === 'export' ? [`This adds the export to ${input.name} (created if it does not exist).`] : []),
        ...leftOut(other, 'NDJSON exports: read them with --target duckdb'),
        '',
        ...currentRowsComment(input.table, columns, current),
      ]),
      '',
    ];
    if (input.scope === 'table') lines.push(`DROP TABLE IF EXISTS ${table};`, '');
    lines.push(
      `CREATE EXTERNAL TABLE IF NOT EXISTS ${table} (`,
      columns.map((column) => `  ${ddlName(column.name)} ${athenaType(column.type)}`).join(',\n'),
      ')',
      'PARTITIONED BY (`export_id` string)',
      "ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe'",
      "STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat'",
      "OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.IgnoreKeyTextOutputFormat'",
      `LOCATION ${sqlString(`${s3Url(input.table.bucket, input.table.folder)}/`)};`,
      '',
    );
    for (let start = 0; start < parquet.length; start += PARTITIONS_PER_STATEMENT) {
      const partitions = parquet
        .slice(start, start + PARTITIONS_PER_STATEMENT)
        .map(
          (entry) =>
            `  PARTITION (export_id = ${sqlString(entry.exportId)}) LOCATION ${sqlString(`${s3Url(input.table.bucket, athenaSymlinkFolder(entry.folder))}/`)}`,
        );
      lines.push(`ALTER TABLE ${table} ADD IF NOT EXISTS`, `${partitions.join('\n')};`, '');
    }
    const { modified } = currentOrder(input.table, columns);
    const order = [...(modified ? [`${dmlName(modified)} DESC NULLS LAST`] : []), `${dmlName(EXPORT_ID_COLUMN)} DESC`].join(', ');
    const names = [...columns.map((column) => dmlName(column.name)), 'export_id'].join(', ');
    lines.push(
      `CREATE OR REPLACE VIEW ${dmlName(current)} AS`,
      `SELECT ${names} FROM (`,
      `  SELECT *, row_number() OVER (PARTITION BY ${dmlName(input.table.key)} ORDER BY ${order}) AS "_current_rank"`,
      `  FROM ${dmlName(input.name)}`,
      ') WHERE "_current_rank" = 1;',
      '',
    );
    return lines.join('\n');
  },
};

/** Hive DDL types (lower case, as Athena's CREATE TABLE lists them). */
export function athenaType(type: ColumnType): string {
  switch (type.kind) {
    case 'scalar':
      return {
        BIGINT: 'bigint',
        INTEGER: 'int',
        SMALLINT: 'smallint',
        TINYINT: 'tinyint',
        DOUBLE: 'double',
        FLOAT: 'float',
        VARCHAR: 'string',
        BOOLEAN: 'boolean',
        DATE: 'date',
        TIMESTAMP: 'timestamp',
        'TIMESTAMP WITH TIME ZONE': 'timestamp',
        BLOB: 'binary',
      }[type.name];
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'list':
      return `array<${athenaType(type.item)}>`;
    case 'struct':
      return `struct<${type.fields.map((field) => `${field.name}:${athenaType(field.type)}`).join(',')}>`;
  }
}

/** Names in DDL (Hive): backticks, needed for names starting with `_`. */
function ddlName(name: string): string {
  return `\`${name.toLowerCase().replaceAll('`', '``')}\``;
}

/** Names in queries (Trino): double quotes; Athena keeps column names in lower case. */
function dmlName(name: string): string {
  return `"${name.toLowerCase().replaceAll('"', '""')}"`;
}
