import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ObjectStore } from '../../src/sinks/s3/object-store.js';

/**
 * Runs what `bulk-export ddl --target duckdb` prints without DuckDB's httpfs extension, which cannot be
 * installed on a machine without internet (and is not bundled with @duckdb/node-api): the bucket's objects
 * are copied to a local folder, and the statements read that copy instead of `s3://`.
 */

/** Copies every object under `prefix` to `<directory>/<bucket>/<key>`. */
export async function copyPrefix(store: ObjectStore, prefix: string, directory: string): Promise<void> {
  for (const object of await store.list(prefix)) {
    const file = join(directory, store.bucket, object.key);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, await store.getBytes(object.key));
  }
}

/**
 * The printed statements, one per entry, reading the copy: `s3://BUCKET/` URLs point into it, comments and
 * the httpfs prelude (INSTALL, LOAD, the S3 secret) are left out. Everything else runs as printed.
 */
export function statementsOnCopy(sql: string, bucket: string, directory: string): string[] {
  return sql
    .replaceAll(`'s3://${bucket}/`, `'${join(directory, bucket)}/`)
    .split(/;\s*\n/)
    .map((statement) =>
      statement
        .split('\n')
        .filter((line) => !line.startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((statement) => statement !== '' && !/^(INSTALL|LOAD|CREATE OR REPLACE SECRET)\b/.test(statement));
}
