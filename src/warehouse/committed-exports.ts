import { BulkExportError, InvalidInputError } from '../errors/index.js';
import { EXPORT_PARTITION_KEY, exportIndexKey, tableFolder, type ExportIndexEntry } from '../sinks/export-layout.js';
import { MANIFEST_NAME, SUCCESS_MARKER } from '../sinks/manifest.js';
import type { ObjectStore } from '../sinks/s3/object-store.js';
import type { S3Location } from '../sinks/s3/s3-location.js';
import { SOURCE_DEFINITIONS } from '../sources/registry.js';
import { parseColumns } from './column-types.js';
import type { CommittedExport, WarehouseManifest, WarehouseTable } from './ddl-target.js';

/** Every table the registered sources write (`virtuous/contacts`, ...), with what each source says about its records. */
export function warehouseTables(destination: S3Location): WarehouseTable[] {
  return SOURCE_DEFINITIONS.flatMap((definition) =>
    definition.recordTypes
      .flatMap((recordType) => recordType.warehouseTables)
      .map((description) => {
        const name = `${definition.name}/${description.object}`;
        return { ...description, source: definition.name, name, bucket: destination.bucket, folder: tableFolder(destination, name) };
      }),
  );
}

/** The table `SOURCE/OBJECT`, or an InvalidInputError listing the tables there are. */
export function warehouseTable(destination: S3Location, name: string): WarehouseTable {
  const tables = warehouseTables(destination);
  const table = tables.find((candidate) => candidate.name === name.replace(/^\/+|\/+$/g, ''));
  if (!table) throw new InvalidInputError(`Unknown --table "${name}": use one of ${tables.map((candidate) => candidate.name).join(', ')}.`);
  return table;
}

/** The table an export belongs to, from the export index `start` writes (`_bulk_export/exports/<id>.json`). */
export async function tableOfExport(store: ObjectStore, destination: S3Location, exportId: string): Promise<WarehouseTable> {
  const key = exportIndexKey(destination, exportId);
  const text = await store.getText(key);
  if (text === undefined) {
    throw new BulkExportError(
      'UNKNOWN_EXPORT',
      `No export ${exportId} under s3://${destination.bucket}/${destination.prefix}: s3://${destination.bucket}/${key} does not exist. ` +
        'Check --dest, or give --table SOURCE/OBJECT.',
    );
  }
  return warehouseTable(destination, (JSON.parse(text) as ExportIndexEntry).table);
}

/** What is in a table's folder: its committed exports (oldest first), the folders that have no `_SUCCESS`, and every key. */
export interface TableListing {
  committed: CommittedExport[];
  /** Export folders without `_SUCCESS`: running, failed or cancelled exports, which are never read. */
  uncommitted: string[];
  /** Every object key under the folder listed (to tell which load files exist). */
  keys: Set<string>;
}

/**
 * Lists the table's folder (or one export's, with `exportId`) and reads the manifest of every export whose
 * `_SUCCESS` exists. One paged listing answers which exports there are, which are committed, and whether
 * every part a manifest names is there with its recorded size, without a request per export beyond the
 * manifest itself. A committed export whose manifest is missing, belongs to another table or names a part
 * that is not there (or not at its recorded size) is an error: statements over it would not read what was
 * committed.
 */
export async function listCommittedExports(store: ObjectStore, table: WarehouseTable, exportId?: string): Promise<TableListing> {
  const listed = exportId ? `${table.folder}/${EXPORT_PARTITION_KEY}=${exportId}/` : `${table.folder}/`;
  const objects = await store.list(listed);
  const sizes = new Map(objects.map((object) => [object.key, object.size]));
  const folders = new Map<string, { folder: string; committed: boolean }>();
  const pattern = new RegExp(`^${escapeRegExp(table.folder)}/${EXPORT_PARTITION_KEY}=([^/]+)/(.+)$`);
  for (const object of objects) {
    const match = pattern.exec(object.key);
    if (!match) continue;
    const [, id, rest] = match as unknown as [string, string, string];
    const entry = folders.get(id) ?? { folder: `${table.folder}/${EXPORT_PARTITION_KEY}=${id}`, committed: false };
    if (rest === SUCCESS_MARKER) entry.committed = true;
    folders.set(id, entry);
  }
  const committed: CommittedExport[] = [];
  const uncommitted: string[] = [];
  for (const id of [...folders.keys()].sort()) {
    const { folder, committed: isCommitted } = folders.get(id)!;
    if (!isCommitted) {
      uncommitted.push(id);
      continue;
    }
    const manifest = await readManifest(store, table, id, folder);
    for (const part of manifest.parts) {
      const size = sizes.get(part.key);
      if (size === undefined || size !== part.bytes) {
        throw new BulkExportError(
          'PARTS_MISSING',
          `Export ${id} is committed, but its manifest names s3://${table.bucket}/${part.key} (${part.bytes} bytes), which is ` +
            `${size === undefined ? 'not on S3' : `${size} bytes on S3`}: statements over it would not read what was committed. ` +
            'Restore the object, or leave the export out (--export ID for the others).',
        );
      }
    }
    committed.push({ exportId: id, folder, manifest, columns: parseColumns(manifest.columns!) });
  }
  return { committed, uncommitted, keys: new Set(sizes.keys()) };
}

async function readManifest(store: ObjectStore, table: WarehouseTable, exportId: string, folder: string): Promise<WarehouseManifest> {
  const key = `${folder}/${MANIFEST_NAME}`;
  const text = await store.getText(key);
  if (text === undefined) {
    throw new BulkExportError('PARTS_MISSING', `Export ${exportId} has _SUCCESS but no s3://${table.bucket}/${key}: its parts cannot be told apart.`);
  }
  const manifest = JSON.parse(text) as WarehouseManifest;
  if (manifest.exportId !== exportId) {
    throw new BulkExportError('PARTS_MISSING', `s3://${table.bucket}/${key} is the manifest of ${manifest.exportId}, not of ${exportId}.`);
  }
  if (manifest.table && manifest.table !== table.name) {
    throw new BulkExportError('PARTS_MISSING', `Export ${exportId} in ${table.name}'s folder says it belongs to ${manifest.table}.`);
  }
  if (!Array.isArray(manifest.columns)) {
    throw new BulkExportError(
      'PARTS_MISSING',
      `The manifest of export ${exportId} (s3://${table.bucket}/${key}) lists no columns: it was committed by a version of bulk-export ` +
        'before tables, whose statements cannot be written. Export again.',
    );
  }
  return manifest;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
