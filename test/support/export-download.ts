import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { ExportManifest } from '../../src/sinks/manifest.js';
import type { ObjectStore } from '../../src/sinks/s3/object-store.js';

/** Downloads the manifest's parts to a local folder, for DuckDB to read (it has no S3 access here). */
export async function downloadParts(store: ObjectStore, manifest: ExportManifest): Promise<{ directory: string; files: string[] }> {
  const directory = await mkdtemp(join(tmpdir(), 'bulk-export-parts-'));
  const files: string[] = [];
  for (const part of manifest.parts) {
    const file = join(directory, basename(part.key));
    await writeFile(file, await store.getBytes(part.key));
    files.push(file);
  }
  return { directory, files };
}

export function sqlList(files: string[]): string {
  return `[${files.map((file) => `'${file.replaceAll("'", "''")}'`).join(', ')}]`;
}
