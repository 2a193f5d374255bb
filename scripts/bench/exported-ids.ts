// Whether an export is exact: its manifest's parts read back in DuckDB, every id against the ids the
// simulator's organization holds (each once, none missing, none extra).
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExportSpec } from '../../src/queue/export-spec.js';
import { folderOf } from '../../src/sinks/export-layout.js';
import type { ExportManifest } from '../../src/sinks/manifest.js';
import type { ObjectStore } from '../../src/sinks/s3/object-store.js';

export interface Exactness {
  exact: boolean;
  /** Rows in the parts (the manifest's count is checked against them too). */
  rows: number;
  expected: number;
  /** The manifest's parts, and how many hold fewer rows than the export's part size (a range's last part, or one written when its range gave its slot back). */
  parts: number;
  shortParts: number;
  /** What differs, when it does: missing, extra and repeated ids (a few of each). */
  problem?: string;
}

/** One DuckDB for the whole bench run (the parquet and json readers are built in; nothing is downloaded). */
export class ExportedIds {
  private constructor(private readonly duckdb: DuckDBConnection) {}

  static async open(): Promise<ExportedIds> {
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' });
    return new ExportedIds(await instance.connect());
  }

  /** Reads the committed export's manifest and parts from `store` and compares its ids with `expected` (ascending). */
  async check(store: ObjectStore, spec: ExportSpec, expected: readonly number[]): Promise<Exactness> {
    const text = await store.getText(`${folderOf(spec)}/_manifest.json`);
    if (!text) return { exact: false, rows: 0, expected: expected.length, parts: 0, shortParts: 0, problem: 'no manifest' };
    const manifest = JSON.parse(text) as ExportManifest;
    const directory = await mkdtemp(join(tmpdir(), 'bulk-export-bench-ids-'));
    try {
      const files: string[] = [];
      for (const [index, part] of manifest.parts.entries()) {
        const file = join(directory, `${index}`);
        await writeFile(file, await store.getBytes(part.key));
        files.push(`'${file}'`);
      }
      const ids = files.length === 0 ? [] : await this.ids(manifest.format === 'parquet' ? 'read_parquet' : 'read_ndjson_auto', files);
      const problem = difference(ids, expected) ?? (manifest.rows === ids.length ? undefined : `the manifest says ${manifest.rows} rows`);
      const parts = manifest.parts.length;
      const shortParts = manifest.parts.filter((part) => part.rows < spec.partRows).length;
      return { exact: problem === undefined, rows: ids.length, expected: expected.length, parts, shortParts, ...(problem ? { problem } : {}) };
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  private async ids(reader: string, files: string[]): Promise<number[]> {
    const result = await this.duckdb.runAndReadAll(`SELECT id FROM ${reader}([${files.join(', ')}]) ORDER BY id`);
    return (result.getColumnsJS()[0] ?? []).map((id) => Number(id));
  }

  close(): void {
    this.duckdb.closeSync();
  }
}

/** Undefined when both ascending lists are equal; otherwise what differs. */
function difference(ids: readonly number[], expected: readonly number[]): string | undefined {
  if (ids.length === expected.length && ids.every((id, index) => id === expected[index])) return undefined;
  const wanted = new Set(expected);
  const seen = new Set<number>();
  const repeated: number[] = [];
  const extra: number[] = [];
  for (const id of ids) {
    if (seen.has(id)) repeated.push(id);
    else if (!wanted.has(id)) extra.push(id);
    seen.add(id);
  }
  const missing = expected.filter((id) => !seen.has(id));
  const few = (list: number[]) => `${list.length}${list.length > 0 ? ` (${list.slice(0, 3).join(', ')}${list.length > 3 ? ', ...' : ''})` : ''}`;
  return `${ids.length} rows for ${expected.length} ids: missing ${few(missing)}, extra ${few(extra)}, repeated ${few(repeated)}`;
}
