import { BulkExportError, InvalidInputError } from '../errors/index.js';
import type { ObjectStore } from '../sinks/s3/object-store.js';
import type { S3Location } from '../sinks/s3/s3-location.js';
import { athenaDdl } from './athena-ddl.js';
import { bigqueryDdl } from './bigquery-ddl.js';
import { listCommittedExports, tableOfExport, warehouseTable, warehouseTables } from './committed-exports.js';
import { DDL_TARGET_NAMES, EXPORT_ID_COLUMN, s3Url, type DdlTarget, type DdlTargetName, type WarehouseTable } from './ddl-target.js';
import { duckdbDdl } from './duckdb-ddl.js';
import { loadFilesFor } from './load-files.js';
import { redshiftDdl } from './redshift-ddl.js';
import { snowflakeDdl } from './snowflake-ddl.js';

export const DDL_TARGETS: Record<DdlTargetName, DdlTarget> = {
  duckdb: duckdbDdl,
  athena: athenaDdl,
  bigquery: bigqueryDdl,
  snowflake: snowflakeDdl,
  redshift: redshiftDdl,
};

export function ddlTarget(name: string): DdlTarget {
  const target = DDL_TARGETS[name as DdlTargetName];
  if (!target) throw new InvalidInputError(`Unknown --target "${name}": use one of ${DDL_TARGET_NAMES.join(', ')}.`);
  return target;
}

export interface DdlRequest {
  target: DdlTarget;
  destination: S3Location;
  /** `SOURCE/OBJECT`; undefined = the export's table (with `exportId`), else every table with a committed export. */
  table?: string;
  exportId?: string;
  /** Base name of the created objects; default `<source>_<object>`. */
  name?: string;
  s3: { region: string; endpoint: string | undefined };
}

export interface DdlResult {
  sql: string;
  /** Load files this run wrote (exports committed before the commit wrote them), as s3:// URLs. */
  wrote: string[];
}

/**
 * The statements of one engine for one table (or for every table of the destination that has a committed
 * export), reading only committed exports and only the parts their manifests name. Engines that read
 * `_load/` files get them written here when an export lacks them (exports committed before the commit
 * wrote them); nothing else is written.
 */
export async function ddlStatements(store: ObjectStore, request: DdlRequest): Promise<DdlResult> {
  const tables = request.table
    ? [warehouseTable(request.destination, request.table)]
    : request.exportId
      ? [await tableOfExport(store, request.destination, request.exportId)]
      : warehouseTables(request.destination);
  if (request.name !== undefined && tables.length > 1) throw new InvalidInputError('--name names one table: give --table SOURCE/OBJECT too.');
  const outputs: string[] = [];
  const wrote: string[] = [];
  for (const table of tables) {
    const listing = await listCommittedExports(store, table, request.exportId);
    if (request.exportId && listing.committed.length === 0) {
      const state = listing.uncommitted.length > 0 ? 'has no _SUCCESS (it is running, failed or was cancelled)' : 'is not there';
      throw new BulkExportError(
        'UNKNOWN_EXPORT',
        `Export ${request.exportId} of ${table.name} ${state}: s3://${table.bucket}/${table.folder}/export_id=${request.exportId}/. Only committed exports are read.`,
      );
    }
    if (listing.committed.length === 0) {
      if (request.table) {
        throw new BulkExportError(
          'UNKNOWN_EXPORT',
          `${table.name} has no committed export under ${s3Url(table.bucket, table.folder)}/: nothing to read.`,
        );
      }
      continue;
    }
    checkReadable(request.target, table, listing.committed);
    const notes: string[] = [];
    if (listing.uncommitted.length > 0 && !request.exportId) {
      notes.push(`Not read: ${listing.uncommitted.join(', ')} (no _SUCCESS: running, failed or cancelled).`);
    }
    if (request.target.needsLoadFiles) {
      for (const entry of listing.committed.filter((candidate) => candidate.manifest.format === 'parquet')) {
        for (const file of loadFilesFor(entry.manifest, table.bucket, entry.folder)) {
          if (listing.keys.has(file.key)) continue;
          await store.put(file.key, file.body, { contentType: file.contentType });
          wrote.push(s3Url(table.bucket, file.key));
          notes.push(`Wrote ${s3Url(table.bucket, file.key)} (export ${entry.exportId} was committed without it), from its manifest.`);
        }
      }
    }
    outputs.push(
      request.target.render({
        table,
        exports: listing.committed,
        scope: request.exportId ? 'export' : 'table',
        name: request.name ?? table.name.replace('/', '_'),
        s3: request.s3,
        notes,
      }),
    );
  }
  if (outputs.length === 0) {
    throw new BulkExportError(
      'UNKNOWN_EXPORT',
      `No committed export under s3://${request.destination.bucket}/${request.destination.prefix} (tables ${warehouseTables(request.destination)
        .map((table) => table.name)
        .join(', ')}): nothing to read.`,
    );
  }
  return { sql: outputs.join('\n'), wrote };
}

/** Engines other than DuckDB read Parquet only, and tell rows of different exports apart by their `_export_id` column. */
function checkReadable(
  target: DdlTarget,
  table: WarehouseTable,
  exports: { exportId: string; manifest: { format: string }; columns: { name: string }[] }[],
): void {
  if (target.name === 'duckdb') return;
  const parquet = exports.filter((entry) => entry.manifest.format === 'parquet');
  if (parquet.length === 0) {
    throw new InvalidInputError(
      `${table.name} has only NDJSON exports (${exports.map((entry) => entry.exportId).join(', ')}): --target ${target.name} reads Parquet. ` +
        'Use --target duckdb, or export with --format parquet.',
    );
  }
  const unmarked = parquet.filter((entry) => !entry.columns.some((column) => column.name === EXPORT_ID_COLUMN));
  if (unmarked.length > 0) {
    throw new InvalidInputError(
      `The rows of ${unmarked.map((entry) => entry.exportId).join(', ')} carry no ${EXPORT_ID_COLUMN} column, which --target ${target.name} needs ` +
        'to tell exports apart: use --target duckdb for them.',
    );
  }
}
