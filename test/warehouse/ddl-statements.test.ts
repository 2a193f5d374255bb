import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { columnTypeName } from '../../src/sinks/column-type-name.js';
import type { ObjectStore, StoredObject } from '../../src/sinks/s3/object-store.js';
import { virtuousFullContactSchema } from '../../src/sources/virtuous/virtuous-full-contact-schema.js';
import { parseColumns, parseColumnType } from '../../src/warehouse/column-types.js';
import { ddlStatements, ddlTarget } from '../../src/warehouse/ddl-statements.js';
import { duckdbDdl, duckdbType } from '../../src/warehouse/duckdb-ddl.js';
import { loadFilesFor } from '../../src/warehouse/load-files.js';
import { queryDuckDB } from '../support/duckdb.js';
import { FULL_CONTACTS, FULL_LOAD, INCREMENTAL } from './ddl-fixtures.js';

/** An in-memory bucket with the few operations `ddl` uses. */
class MemoryStore {
  readonly objects = new Map<string, string>();
  readonly puts: string[] = [];
  readonly bucket = 'my-bucket';

  async list(prefix: string): Promise<StoredObject[]> {
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, body]) => ({ key, size: Buffer.byteLength(body) }));
  }

  async getText(key: string): Promise<string | undefined> {
    return this.objects.get(key);
  }

  async put(key: string, body: string): Promise<void> {
    this.objects.set(key, body);
    this.puts.push(key);
  }

  /** A committed export: its parts (of the manifest's sizes), `_manifest.json` and `_SUCCESS`. */
  commit(entry: typeof FULL_LOAD, options: { success?: boolean } = {}): void {
    for (const part of entry.manifest.parts) this.objects.set(part.key, 'x'.repeat(part.bytes));
    this.objects.set(`${entry.folder}/_manifest.json`, JSON.stringify(entry.manifest));
    this.objects.set(`${entry.folder}/_export.json`, '{}');
    if (options.success !== false) this.objects.set(`${entry.folder}/_SUCCESS`, '');
  }

  asStore(): ObjectStore {
    return this as unknown as ObjectStore;
  }
}

const destination = { bucket: 'my-bucket', prefix: 'crm' };
const s3 = { region: 'us-east-1', endpoint: undefined };

describe('bulk-export ddl statements', () => {
  it('reads committed exports only, and only the parts their manifests name', async () => {
    const store = new MemoryStore();
    store.commit(FULL_LOAD);
    store.commit(INCREMENTAL);
    // A stray part next to a committed export's parts (a lost attempt's late upload), and a running export.
    store.objects.set(`${FULL_LOAD.folder}/part-r00000-s000000-adeadbeef.parquet`, 'stray');
    const running = 'exp-20261124t000000-abcdef';
    store.objects.set(`crm/virtuous/full_contacts/export_id=${running}/part-r00000-s000000-a00000000.parquet`, 'unfinished');
    store.objects.set(`crm/virtuous/full_contacts/export_id=${running}/_export.json`, '{}');

    const { sql, wrote } = await ddlStatements(store.asStore(), { target: ddlTarget('duckdb'), destination, table: 'virtuous/full_contacts', s3 });
    expect(wrote).toEqual([]);
    expect(store.puts).toEqual([]);
    for (const part of [...FULL_LOAD.manifest.parts, ...INCREMENTAL.manifest.parts]) expect(sql).toContain(`'s3://my-bucket/${part.key}'`);
    expect(sql).not.toContain('adeadbeef');
    expect(sql).not.toContain('a00000000');
    expect(sql).toContain(`-- Not read: ${running} (no _SUCCESS: running, failed or cancelled).`);
  });

  it('--export reads that export alone, and refuses one without _SUCCESS', async () => {
    const store = new MemoryStore();
    store.commit(FULL_LOAD);
    store.commit(INCREMENTAL, { success: false });
    store.objects.set(
      `crm/_bulk_export/exports/${FULL_LOAD.exportId}.json`,
      JSON.stringify({ exportId: FULL_LOAD.exportId, table: 'virtuous/full_contacts', folder: FULL_LOAD.folder, createdAt: '' }),
    );
    const { sql } = await ddlStatements(store.asStore(), { target: ddlTarget('duckdb'), destination, exportId: FULL_LOAD.exportId, s3 });
    expect(sql).toContain(`export ${FULL_LOAD.exportId} of virtuous/full_contacts`);
    expect(sql).not.toContain(INCREMENTAL.exportId);
    await expect(
      ddlStatements(store.asStore(), {
        target: ddlTarget('duckdb'),
        destination,
        table: 'virtuous/full_contacts',
        exportId: INCREMENTAL.exportId,
        s3,
      }),
    ).rejects.toThrow(/has no _SUCCESS/);
  });

  it('refuses a committed export whose manifest names a part that is gone', async () => {
    const store = new MemoryStore();
    store.commit(FULL_LOAD);
    store.objects.delete(FULL_LOAD.manifest.parts[1]!.key);
    await expect(ddlStatements(store.asStore(), { target: ddlTarget('duckdb'), destination, table: 'virtuous/full_contacts', s3 })).rejects.toThrow(
      /not on S3/,
    );
  });

  it('writes the load files Athena and Redshift read when an export lacks them, and says so', async () => {
    const store = new MemoryStore();
    store.commit(FULL_LOAD);
    store.commit(INCREMENTAL);
    for (const file of loadFilesFor(INCREMENTAL.manifest, 'my-bucket', INCREMENTAL.folder)) store.objects.set(file.key, file.body);
    const { sql, wrote } = await ddlStatements(store.asStore(), { target: ddlTarget('redshift'), destination, table: 'virtuous/full_contacts', s3 });
    expect(wrote).toEqual([
      `s3://my-bucket/${FULL_LOAD.folder}/_load/redshift-manifest.json`,
      `s3://my-bucket/${FULL_LOAD.folder}/_load/athena-symlink/manifest`,
    ]);
    expect(sql).toContain(`-- Wrote s3://my-bucket/${FULL_LOAD.folder}/_load/redshift-manifest.json`);
    // BigQuery lists the files in the statement: nothing to write.
    const before = store.puts.length;
    await ddlStatements(store.asStore(), { target: ddlTarget('bigquery'), destination, table: 'virtuous/full_contacts', s3 });
    expect(store.puts.length).toBe(before);
  });

  it('builds the load files from the manifest alone', () => {
    const [redshift, athena] = loadFilesFor(FULL_LOAD.manifest, 'my-bucket', FULL_LOAD.folder);
    expect(redshift!.key).toBe(`${FULL_LOAD.folder}/_load/redshift-manifest.json`);
    expect(JSON.parse(redshift!.body)).toEqual({
      entries: FULL_LOAD.manifest.parts.map((part) => ({ url: `s3://my-bucket/${part.key}`, mandatory: true, meta: { content_length: part.bytes } })),
    });
    expect(athena!.key).toBe(`${FULL_LOAD.folder}/_load/athena-symlink/manifest`);
    expect(athena!.body).toBe(FULL_LOAD.manifest.parts.map((part) => `s3://my-bucket/${part.key}\n`).join(''));
  });

  it('names the exporter no credential and no S3 key in any statement, with a local endpoint too', async () => {
    const store = new MemoryStore();
    store.commit(FULL_LOAD);
    for (const target of ['duckdb', 'athena', 'bigquery', 'snowflake', 'redshift']) {
      const { sql } = await ddlStatements(store.asStore(), {
        target: ddlTarget(target),
        destination,
        table: 'virtuous/full_contacts',
        s3: { region: 'eu-west-1', endpoint: 'http://127.0.0.1:4568' },
      });
      expect(sql).not.toMatch(/KEY_ID|SECRET_ACCESS|AKIA|aws_secret|password/i);
    }
  });

  it('refuses an unknown engine, table or a table with no committed export', async () => {
    expect(() => ddlTarget('oracle')).toThrow(/use one of duckdb, athena, bigquery, snowflake, redshift/);
    const store = new MemoryStore();
    await expect(ddlStatements(store.asStore(), { target: ddlTarget('duckdb'), destination, table: 'virtuous/deals', s3 })).rejects.toThrow(
      /Unknown --table/,
    );
    await expect(ddlStatements(store.asStore(), { target: ddlTarget('duckdb'), destination, table: 'close/contacts', s3 })).rejects.toThrow(
      /no committed export/,
    );
  });

  it('reads every type the schemas give as DuckDB names it', () => {
    for (const field of virtuousFullContactSchema.fields) {
      const name = columnTypeName(field.type);
      expect(duckdbType(parseColumnType(name)).replaceAll('"', ''), name).toBe(name.replace(' (JSON)', ''));
    }
    expect(parseColumnType('DECIMAL(18,2)')).toEqual({ kind: 'decimal', precision: 18, scale: 2 });
  });
});

describe('the DuckDB statements, run in DuckDB', () => {
  it('read Parquet and NDJSON exports as one table, each row with its export, and pick the current rows', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'ddl-duckdb-unit-'));
    try {
      const folder = (id: string) => `crm/virtuous/full_contacts/export_id=${id}`;
      const first = 'exp-20261101t000000-aaaaaa';
      const second = 'exp-20261102t000000-bbbbbb';
      const third = 'exp-20261103t000000-cccccc';
      const file = (key: string) => join(directory, 'my-bucket', key);
      for (const id of [first, second, third]) await mkdir(file(folder(id)), { recursive: true });
      // Parquet with lineage columns (as the encoder writes them), and an NDJSON export without.
      await queryDuckDB(
        `COPY (SELECT * FROM (VALUES (1::BIGINT, 'one', TIMESTAMPTZ '2026-11-01 10:00:00+00', '${first}'), (2::BIGINT, 'two', TIMESTAMPTZ '2026-11-01 10:00:00+00', '${first}')) ` +
          `t(id, name, "modifiedDateTimeUtc", "_export_id")) TO '${file(`${folder(first)}/part-r00000-s000000-a00000001.parquet`)}' (FORMAT parquet)`,
      );
      await queryDuckDB(
        `COPY (SELECT 1::BIGINT AS id, 'one again' AS name, TIMESTAMPTZ '2026-11-02 09:00:00+00' AS "modifiedDateTimeUtc", '${second}' AS "_export_id") ` +
          `TO '${file(`${folder(second)}/part-r00000-s000000-a00000002.parquet`)}' (FORMAT parquet)`,
      );
      await writeFile(
        file(`${folder(third)}/part-r00000-s000000-a00000003.ndjson`),
        '{"id":2,"name":"two later","modifiedDateTimeUtc":"2026-11-03T08:00:00"}\n{"id":3,"name":"three","modifiedDateTimeUtc":"2026-11-03T08:00:00"}\n',
      );
      const columns = [
        { name: 'id', type: 'BIGINT' },
        { name: 'name', type: 'VARCHAR' },
        { name: 'modifiedDateTimeUtc', type: 'TIMESTAMP WITH TIME ZONE' },
      ];
      const exportOf = (id: string, format: 'parquet' | 'ndjson', part: string, rows: number) => ({
        exportId: id,
        folder: folder(id),
        columns: parseColumns(columns),
        manifest: {
          ...FULL_LOAD.manifest,
          exportId: id,
          format,
          columns,
          rows,
          parts: [{ key: `${folder(id)}/${part}`, rows, bytes: 1, firstKey: null, lastKey: null, rangeIndex: 0, sequence: 0 }],
        },
      });
      const sql = duckdbDdl.render({
        table: FULL_CONTACTS,
        exports: [
          exportOf(first, 'parquet', 'part-r00000-s000000-a00000001.parquet', 2),
          exportOf(second, 'parquet', 'part-r00000-s000000-a00000002.parquet', 1),
          exportOf(third, 'ndjson', 'part-r00000-s000000-a00000003.ndjson', 2),
        ],
        scope: 'table',
        name: 'unit_full_contacts',
        s3,
        notes: [],
      });
      const statements = sql
        .replaceAll("'s3://my-bucket/", `'${join(directory, 'my-bucket')}/`)
        .split(/;\s*\n/)
        .map((statement) =>
          statement
            .split('\n')
            .filter((line) => !line.startsWith('--'))
            .join('\n')
            .trim(),
        )
        .filter((statement) => statement !== '' && !/^(INSTALL|LOAD|CREATE OR REPLACE SECRET)\b/.test(statement));
      for (const statement of statements) await queryDuckDB(statement);
      expect(await queryDuckDB('SELECT export_id, count(*) AS n FROM unit_full_contacts GROUP BY ALL ORDER BY export_id')).toEqual([
        { export_id: first, n: 2 },
        { export_id: second, n: 1 },
        { export_id: third, n: 2 },
      ]);
      expect(await queryDuckDB('SELECT id, name, export_id FROM unit_full_contacts_current ORDER BY id')).toEqual([
        { id: 1, name: 'one again', export_id: second },
        { id: 2, name: 'two later', export_id: third },
        { id: 3, name: 'three', export_id: third },
      ]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
