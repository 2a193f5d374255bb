import type { ColumnType } from './column-types.js';
import { unionColumns } from './column-types.js';
import { currentOrder, currentRowsComment, header, s3Url, sqlString, type CommittedExport, type DdlInput, type DdlTarget } from './ddl-target.js';

/** The column DuckDB reads from each file's folder (`export_id=<id>`): the export, for rows with or without lineage columns. */
const PARTITION_COLUMN = 'export_id';

/**
 * DuckDB: views over `read_parquet([...])` / `read_json([...])` with the exact list of every committed
 * part (https://duckdb.org/docs/stable/data/multiple_files/overview, .../data/parquet/overview), read
 * by column name across exports (`union_by_name`), and the current-rows view with QUALIFY. S3 is read
 * through httpfs with a secret that takes the AWS credential chain (no key in the text).
 */
export const duckdbDdl: DdlTarget = {
  name: 'duckdb',
  needsLoadFiles: false,
  render(input: DdlInput): string {
    const columns = unionColumns(input.exports);
    const current = `${input.name}_current`;
    const lines = [
      header(input, 'duckdb', [
        'DuckDB reads s3:// with its httpfs extension. The secret below takes the AWS SDK credential chain (environment,',
        'profile, SSO, instance role): no key is written here.',
        `${input.name}.${PARTITION_COLUMN} is each row's export, read from its folder (export_id=<id>, a Hive partition).`,
        ...(input.scope === 'export' ? [`${input.name} reads this export alone.`] : []),
        '',
        ...currentRowsComment(input.table, columns, current),
      ]),
      '',
      'INSTALL httpfs;',
      'LOAD httpfs;',
      `CREATE OR REPLACE SECRET bulk_export_s3 (${secretOptions(input)});`,
      '',
      `CREATE OR REPLACE VIEW ${quote(input.name)} AS`,
      `${tableQuery(input)};`,
      '',
      `CREATE OR REPLACE VIEW ${quote(current)} AS`,
      `SELECT * FROM ${quote(input.name)}`,
      `QUALIFY row_number() OVER (PARTITION BY ${quote(input.table.key)} ORDER BY ${orderBy(input)}) = 1;`,
      '',
    ];
    return lines.join('\n');
  },
};

function secretOptions(input: DdlInput): string {
  const options = [
    'TYPE s3',
    'PROVIDER credential_chain',
    `REGION ${sqlString(input.s3.region)}`,
    `SCOPE ${sqlString(`s3://${input.table.bucket}/`)}`,
  ];
  if (input.s3.endpoint) {
    const endpoint = new URL(input.s3.endpoint);
    options.push(`ENDPOINT ${sqlString(endpoint.host)}`, "URL_STYLE 'path'", `USE_SSL ${endpoint.protocol === 'https:'}`);
  }
  return options.join(', ');
}

/**
 * Parquet exports in one `read_parquet`, NDJSON exports in one `read_json`, joined by column name. The
 * export id comes from each file's folder (`export_id=<id>`, read as a Hive partition), so it is there
 * whatever the rows carry (NDJSON lines are the API's records as they came, without lineage columns).
 * With no part at all, the table is a typed select of no row.
 */
function tableQuery(input: DdlInput): string {
  const options = `union_by_name = true, hive_partitioning = true, hive_types = {'${PARTITION_COLUMN}': VARCHAR}`;
  const withParts = input.exports.filter((entry) => entry.manifest.parts.length > 0);
  const parquet = withParts.filter((entry) => entry.manifest.format === 'parquet');
  const ndjson = withParts.filter((entry) => entry.manifest.format !== 'parquet');
  const selects = [
    ...(parquet.length > 0 ? [`SELECT * FROM read_parquet(${urlList(input, parquet)}, ${options})`] : []),
    ...(ndjson.length > 0 ? [`SELECT * FROM read_json(${urlList(input, ndjson)}, format = 'newline_delimited', ${options})`] : []),
  ];
  if (selects.length === 0) {
    const columns = unionColumns(input.exports).filter((column) => column.name !== PARTITION_COLUMN);
    const casts = columns.map((column) => `CAST(NULL AS ${duckdbType(column.type)}) AS ${quote(column.name)}`);
    return `SELECT ${[...casts, `CAST(NULL AS VARCHAR) AS ${quote(PARTITION_COLUMN)}`].join(', ')} WHERE false`;
  }
  return selects.join('\nUNION ALL BY NAME\n');
}

function urlList(input: DdlInput, exports: CommittedExport[]): string {
  const urls = exports.flatMap((entry) => entry.manifest.parts.map((part) => `  ${sqlString(s3Url(input.table.bucket, part.key))}`));
  return `[\n${urls.join(',\n')}\n]`;
}

function orderBy(input: DdlInput): string {
  const { modified } = currentOrder(input.table, unionColumns(input.exports));
  return [...(modified ? [`${quote(modified)} DESC NULLS LAST`] : []), `${quote(PARTITION_COLUMN)} DESC`].join(', ');
}

/** DuckDB's name for a type (JSON text is VARCHAR). */
export function duckdbType(type: ColumnType): string {
  switch (type.kind) {
    case 'scalar':
      return type.name;
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'list':
      return `${duckdbType(type.item)}[]`;
    case 'struct':
      return `STRUCT(${type.fields.map((field) => `${quote(field.name)} ${duckdbType(field.type)}`).join(', ')})`;
  }
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
