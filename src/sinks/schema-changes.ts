import { exportIdOfFolder } from './export-layout.js';
import { MANIFEST_NAME, SUCCESS_MARKER, type ExportManifest, type ManifestColumn, type SchemaChanges } from './manifest.js';
import type { ObjectStore } from './s3/object-store.js';

/** What changed from `previous` columns to `current` ones, by name; order changes are not changes. */
export function compareColumns(
  previousExportId: string | null,
  previous: readonly ManifestColumn[],
  current: readonly ManifestColumn[],
  extra: { unknownFields: readonly string[]; refusedValues: readonly string[] },
): SchemaChanges {
  const before = new Map(previous.map((column) => [column.name, column.type]));
  const after = new Map(current.map((column) => [column.name, column.type]));
  return {
    previousExportId,
    added: current.filter((column) => !before.has(column.name)),
    removed: previous.filter((column) => !after.has(column.name)),
    retyped: current.flatMap((column) => {
      const from = before.get(column.name);
      return from !== undefined && from !== column.type ? [{ name: column.name, from, to: column.type }] : [];
    }),
    unknownFields: [...extra.unknownFields].sort(),
    refusedValues: [...extra.refusedValues].sort(),
  };
}

export function hasSchemaChanges(changes: SchemaChanges): boolean {
  return changes.added.length + changes.removed.length + changes.retyped.length + changes.unknownFields.length + changes.refusedValues.length > 0;
}

/**
 * The manifest of the table's newest committed export before `exportId` (export ids sort by start
 * time), or undefined when there is none. Exports that did not commit (no `_SUCCESS`) are passed over.
 */
export async function previousCommittedManifest(store: ObjectStore, tableFolder: string, exportId: string): Promise<ExportManifest | undefined> {
  const earlier = (await store.listFolders(`${tableFolder}/`))
    .map((folder) => ({ folder: folder.replace(/\/$/, ''), id: exportIdOfFolder(folder) }))
    .filter((entry): entry is { folder: string; id: string } => entry.id !== undefined && entry.id < exportId)
    .sort((a, b) => (a.id < b.id ? 1 : -1));
  for (const { folder } of earlier) {
    if (!(await store.exists(`${folder}/${SUCCESS_MARKER}`))) continue;
    const text = await store.getText(`${folder}/${MANIFEST_NAME}`);
    return text ? (JSON.parse(text) as ExportManifest) : undefined;
  }
  return undefined;
}
