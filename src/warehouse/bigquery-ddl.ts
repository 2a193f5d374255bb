import type { ColumnType } from './column-types.js';
import { columnsSignature, unionColumns } from './column-types.js';
import {
  currentOrder,
  currentRowsComment,
  EXPORT_ID_COLUMN,
  header,
  leftOut,
  s3Url,
  splitByFormat,
  sqlString,
  type CommittedExport,
  type DdlInput,
  type DdlTarget,
} from './ddl-target.js';

/** BigQuery's limit of source URIs in one external table definition. */
const URIS_PER_TABLE = 10_000;

/** Placeholders the reader replaces (named in the output's header). */
export const BIGQUERY_DATASET = 'bulk_export';
export const BIGQUERY_CONNECTION_NAME = 'bulk_export_s3';

/**
 * BigQuery Omni: external (BigLake) tables over the parts on S3 through an AWS connection, `uris` listing
 * every committed part (https://cloud.google.com/bigquery/docs/omni-aws-create-external-table,
 * https://cloud.google.com/bigquery/docs/reference/standard-sql/data-definition-language#create_external_table_statement).
 * Exports with the same columns share one external table; when the columns changed between exports the
 * table is a view over one external table per column set (a missing column reads as NULL).
 */
export const bigqueryDdl: DdlTarget = {
  name: 'bigquery',
  needsLoadFiles: false,
  render(input: DdlInput): string {
    const { parquet, other } = splitByFormat(input.exports);
    const withParts = parquet.filter((entry) => entry.manifest.parts.length > 0);
    const empty = parquet.filter((entry) => entry.manifest.parts.length === 0);
    const columns = unionColumns(parquet);
    const connection = `aws-${input.s3.region}.${BIGQUERY_CONNECTION_NAME}`;
    const current = `${input.name}_current`;
    const groups = groupByColumns(withParts);
    const lines = [
      header(input, 'bigquery', [
        `Replace ${BIGQUERY_DATASET} with your dataset in the connection's location (CREATE SCHEMA ${BIGQUERY_DATASET} OPTIONS (location = 'aws-${input.s3.region}')),`,
        `and ${connection} with your BigQuery Omni connection to AWS (it names the IAM role BigQuery assumes to read`,
        'the bucket): no credential is written here.',
        ...(input.scope === 'export' ? [`${input.name} reads this export alone.`] : []),
        ...leftOut(other, 'NDJSON exports: read them with --target duckdb'),
        ...leftOut(empty, 'no parts: BigQuery needs at least one file'),
        '',
        ...currentRowsComment(input.table, columns, current),
      ]),
      '',
    ];
    const tables = groups.length === 1 ? [input.name] : groups.map((_, index) => `${input.name}__${index + 1}`);
    groups.forEach((group, index) => {
      const uris = group.flatMap((entry) => entry.manifest.parts.map((part) => `    ${sqlString(s3Url(input.table.bucket, part.key))}`));
      lines.push(
        ...(groups.length > 1 ? [`-- exports ${group.map((entry) => entry.exportId).join(', ')}`] : []),
        `CREATE OR REPLACE EXTERNAL TABLE ${name(tables[index]!)}`,
        `WITH CONNECTION \`${connection}\``,
        'OPTIONS (',
        "  format = 'PARQUET',",
        '  enable_list_inference = true,',
        `  uris = [\n${uris.join(',\n')}\n  ]`,
        ');',
        '',
      );
    });
    if (groups.length > 1) {
      const selects = groups.map((group, index) => {
        const present = new Set(group[0]!.columns.map((column) => column.name));
        const list = columns.map((column) =>
          present.has(column.name) ? `\`${column.name}\`` : `CAST(NULL AS ${bigqueryType(column.type)}) AS \`${column.name}\``,
        );
        return `SELECT ${list.join(', ')} FROM ${name(tables[index]!)}`;
      });
      lines.push(`CREATE OR REPLACE VIEW ${name(input.name)} AS`, `${selects.join('\nUNION ALL\n')};`, '');
    }
    const { modified } = currentOrder(input.table, columns);
    const order = [...(modified ? [`\`${modified}\` DESC NULLS LAST`] : []), `\`${EXPORT_ID_COLUMN}\` DESC`].join(', ');
    lines.push(
      `CREATE OR REPLACE VIEW ${name(current)} AS`,
      'SELECT * EXCEPT (_current_rank) FROM (',
      `  SELECT *, ROW_NUMBER() OVER (PARTITION BY \`${input.table.key}\` ORDER BY ${order}) AS _current_rank`,
      `  FROM ${name(input.name)}`,
      ')',
      'WHERE _current_rank = 1;',
      '',
    );
    return lines.join('\n');
  },
};

/** Consecutive exports with the same columns share a table, up to BigQuery's limit of URIs per table. */
function groupByColumns(exports: CommittedExport[]): CommittedExport[][] {
  const groups: { signature: string; uris: number; exports: CommittedExport[] }[] = [];
  for (const entry of exports) {
    const signature = columnsSignature(entry.columns);
    const last = groups.at(-1);
    if (last && last.signature === signature && last.uris + entry.manifest.parts.length <= URIS_PER_TABLE) {
      last.exports.push(entry);
      last.uris += entry.manifest.parts.length;
    } else groups.push({ signature, uris: entry.manifest.parts.length, exports: [entry] });
  }
  return groups.map((group) => group.exports);
}

export function bigqueryType(type: ColumnType): string {
  switch (type.kind) {
    case 'scalar':
      return {
        BIGINT: 'INT64',
        INTEGER: 'INT64',
        SMALLINT: 'INT64',
        TINYINT: 'INT64',
        DOUBLE: 'FLOAT64',
        FLOAT: 'FLOAT64',
        VARCHAR: 'STRING',
        BOOLEAN: 'BOOL',
        DATE: 'DATE',
        TIMESTAMP: 'DATETIME',
        'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP',
        BLOB: 'BYTES',
      }[type.name];
    case 'decimal':
      return type.precision - type.scale <= 29 && type.scale <= 9
        ? `NUMERIC(${type.precision}, ${type.scale})`
        : `BIGNUMERIC(${type.precision}, ${type.scale})`;
    case 'list':
      return `ARRAY<${bigqueryType(type.item)}>`;
    case 'struct':
      return `STRUCT<${type.fields.map((field) => `\`${field.name}\` ${bigqueryType(field.type)}`).join(', ')}>`;
  }
}

function name(table: string): string {
  return `\`${BIGQUERY_DATASET}.${table}\``;
}
