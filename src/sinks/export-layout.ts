import type { ExportRange } from '../planning/export-range.js';
import type { ObjectStore } from './s3/object-store.js';
import type { S3Location } from './s3/s3-location.js';

/**
 * Where an export's objects live under `s3://BUCKET/PREFIX`:
 *
 *   PREFIX/<table>/export_id=<exportId>/   one export: parts, `_manifest.json`, `_SUCCESS`, `_export.json`, `_ranges/`, `_load/`
 *   PREFIX/_bulk_export/                   the exporter's own state, never a table: the export index and the watermarks
 *
 * A table (`virtuous/contacts`, `close/contacts`) holds every export of one record type, so a warehouse
 * reads `PREFIX/<table>/` as one table partitioned by `export_id` (Hive style: engines see it as a column).
 */
export const EXPORTER_STATE_FOLDER = '_bulk_export';

/** The Hive partition key of an export's folder. */
export const EXPORT_PARTITION_KEY = 'export_id';

/** `PREFIX/<table>`: every export of one table. */
export function tableFolder(destination: S3Location, table: string): string {
  return joinKey(destination.prefix, table);
}

/** `PREFIX/<table>/export_id=<exportId>`: one export. */
export function exportFolder(destination: S3Location, table: string, exportId: string): string {
  return `${tableFolder(destination, table)}/${EXPORT_PARTITION_KEY}=${exportId}`;
}

/** The export id of a folder listed under a table (`…/export_id=<exportId>/`), or undefined for anything else. */
export function exportIdOfFolder(folderKey: string): string | undefined {
  return new RegExp(`(?:^|/)${EXPORT_PARTITION_KEY}=([^/]+)/?$`).exec(folderKey)?.[1];
}

/**
 * `PREFIX/<exportId>`: where exports started before tables existed keep their objects. Their specs name
 * no folder; `resume --dest` finds them here when the export index does not know them.
 */
export function legacyExportFolder(destination: S3Location, exportId: string): string {
  return joinKey(destination.prefix, exportId);
}

/** The folder of an export as its spec says, or the legacy folder for a spec written before tables. */
export function folderOf(spec: { exportId: string; destination: S3Location; folder?: string }): string {
  return spec.folder ?? legacyExportFolder(spec.destination, spec.exportId);
}

/** `PREFIX/_bulk_export/exports/<exportId>.json`: which folder an export writes to, for finding it by id alone. */
export function exportIndexKey(destination: S3Location, exportId: string): string {
  return joinKey(destination.prefix, `${EXPORTER_STATE_FOLDER}/exports/${exportId}.json`);
}

/** An export index entry, written by `start` before anything else. */
export interface ExportIndexEntry {
  exportId: string;
  table: string;
  /** S3 key of the export's folder, without a trailing slash. */
  folder: string;
  createdAt: string;
}

export async function writeExportIndexEntry(store: ObjectStore, destination: S3Location, entry: ExportIndexEntry): Promise<void> {
  await store.put(exportIndexKey(destination, entry.exportId), JSON.stringify(entry, null, 2), { contentType: 'application/json' });
}

/**
 * The folder of an export known by id and destination only: from the export index, else the legacy
 * `PREFIX/<exportId>` (which may not exist; callers check what they need there).
 */
export async function locateExportFolder(store: ObjectStore, destination: S3Location, exportId: string): Promise<string> {
  const text = await store.getText(exportIndexKey(destination, exportId));
  return text ? (JSON.parse(text) as ExportIndexEntry).folder : legacyExportFolder(destination, exportId);
}

/** Objects beside the parts that let an export be rebuilt from S3 alone. */
export const EXPORT_DESCRIPTOR_NAME = '_export.json';

export function rangeDoneKey(folder: string, rangeIndex: number): string {
  return `${folder}/_ranges/r${String(rangeIndex).padStart(5, '0')}.done`;
}

export const RANGE_DONE_PATTERN = /\/_ranges\/r(\d+)\.done$/;

/** A range split off a running one (work stealing): written before its job is added, for rebuilding the export from S3. */
export function rangeSplitKey(folder: string, rangeIndex: number): string {
  return `${folder}/_ranges/r${String(rangeIndex).padStart(5, '0')}.split.json`;
}

export const RANGE_SPLIT_PATTERN = /\/_ranges\/r(\d+)\.split\.json$/;

/** `_ranges/rNNNNN.split.json`: the new range, and the range it was split from, whose end moved to the new range's start. */
export interface RangeSplitRecord {
  range: ExportRange;
  splitFrom: number;
}

/** `_export.json`: the spec and the planned ranges, written before any range runs. */
export interface ExportDescriptor<Spec> {
  spec: Spec;
  ranges: ExportRange[];
}

function joinKey(prefix: string, key: string): string {
  return prefix ? `${prefix}/${key}` : key;
}
