import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import type { VirtuousSimulator } from '../../simulators/virtuous/index.js';
import { parseIsoMicros } from '../../src/time/iso-instant.js';
import { queryDuckDB, describeDuckDB } from '../support/duckdb.js';
import { downloadParts, sqlList } from '../support/export-download.js';
import { BUCKET, ExportFixture } from '../support/export-fixture.js';

const CONTACTS = 25_000;

describe('a full Virtuous export with two worker processes, 2% faults', () => {
  let fixture: ExportFixture;
  let simulator: VirtuousSimulator;

  beforeAll(async () => {
    fixture = await ExportFixture.create('virtuous-export', { contacts: CONTACTS, seed: 7, faults: { errorRate: 0.015, dropRate: 0.005, seed: 3 } });
    simulator = fixture.simulator;
    await fixture.startWorkers(2);
  });

  afterAll(() => fixture?.close());

  async function exportAndRead(format: 'parquet' | 'ndjson', extra: string[] = []) {
    const dest = `s3://${BUCKET}/crm/${format}`;
    const { exportId, result } = await fixture.start(['--dest', dest, '--format', format, '--part-rows', '3000', '--wait', ...extra]);
    expect(result.stderr + fixture.workers.map((w) => w.output()).join('')).not.toContain('"level":60');
    expect(result.code, result.stderr).toBe(0);
    expect(exportId).toMatch(/^exp-/);

    const folder = await fixture.folder(dest, exportId);
    expect(await fixture.store.exists(`${folder}/_SUCCESS`)).toBe(true);
    const manifest = (await fixture.manifest(folder))!;
    const parts = await downloadParts(fixture.store, manifest);
    return { exportId, manifest, parts };
  }

  it('writes typed Parquet parts in which DuckDB finds every contact exactly once, archived ones included by default', async () => {
    const { manifest, parts } = await exportAndRead('parquet');
    try {
      const expected = simulator.expectedIds({ includeArchived: true });
      expect(manifest.rows).toBe(expected.length);
      expect(manifest.parts.length).toBeGreaterThan(5);
      const source = `read_parquet(${sqlList(parts.files)})`;

      const ids = await queryDuckDB(`SELECT id, count(*) AS n FROM ${source} GROUP BY id ORDER BY id`);
      expect(ids.map((row) => row.id)).toEqual(expected);
      expect(ids.every((row) => row.n === 1)).toBe(true);

      const types = Object.fromEntries((await describeDuckDB(`SELECT * FROM ${source}`)).map((c) => [c.column_name, c.column_type]));
      expect(types).toMatchObject({ id: 'BIGINT', name: 'VARCHAR', email: 'VARCHAR', contactViewUrl: 'VARCHAR' });

      const rows = await queryDuckDB(`SELECT id, name, contactType, address, email FROM ${source}`);
      for (const row of rows) {
        const truth = simulator.abbreviatedContact(row.id as number)!;
        expect({ name: row.name, contactType: row.contactType, address: row.address, email: row.email }).toEqual({
          name: truth.name,
          contactType: truth.contactType,
          address: truth.address,
          email: truth.email,
        });
      }
      expect((simulator.stats.byStatus[500] ?? 0) + (simulator.stats.byStatus[503] ?? 0)).toBeGreaterThan(0);
    } finally {
      await rm(parts.directory, { recursive: true, force: true });
    }
  });

  it('writes gzipped NDJSON parts in which DuckDB finds every live contact exactly once (--exclude-archived)', async () => {
    const { manifest, parts } = await exportAndRead('ndjson', ['--gzip', '--exclude-archived']);
    try {
      const expected = simulator.expectedIds();
      expect(expected.length).toBeLessThan(simulator.expectedIds({ includeArchived: true }).length);
      expect(manifest.rows).toBe(expected.length);
      expect(manifest.compression).toBe('gzip');
      const source = `read_json(${sqlList(parts.files)}, format = 'newline_delimited')`;
      const ids = await queryDuckDB(`SELECT id, count(*) AS n FROM ${source} GROUP BY id ORDER BY id`);
      expect(ids.map((row) => row.id)).toEqual(expected);
      expect(ids.every((row) => row.n === 1)).toBe(true);
      const sample = await queryDuckDB(`SELECT id, name, phone FROM ${source} WHERE id IN (${expected.slice(0, 50).join(',')})`);
      for (const row of sample) {
        const truth = simulator.abbreviatedContact(row.id as number)!;
        expect([row.name, row.phone]).toEqual([truth.name, truth.phone]);
      }
    } finally {
      await rm(parts.directory, { recursive: true, force: true });
    }
  });

  it('writes FullContact records as nested Parquet columns with UTC timestamps, and status reports the commit', async () => {
    const { exportId, manifest, parts } = await exportAndRead('parquet', ['--full-contact', '--include-archived']);
    try {
      expect(manifest.schema).toBe('virtuous.full_contact');
      const source = `read_parquet(${sqlList(parts.files)})`;
      const types = Object.fromEntries((await describeDuckDB(`SELECT * FROM ${source}`)).map((c) => [c.column_name, c.column_type]));
      expect(types.id).toBe('BIGINT');
      expect(types.isPrivate).toBe('BOOLEAN');
      expect(types.tags).toBe('VARCHAR[]');
      expect(types.modifiedDateTimeUtc).toBe('TIMESTAMP WITH TIME ZONE');
      expect([types.lifeToDateGiving, types.lifeToDateGiving_text]).toEqual(['DECIMAL(18,2)', 'VARCHAR']);
      expect([types.lastGiftDate, types.lastGiftDate_text]).toEqual(['DATE', 'VARCHAR']);
      expect(types.address).toMatch(/^STRUCT\(id BIGINT, "label" VARCHAR, address1 VARCHAR/);
      expect(types.contactIndividuals).toMatch(/^STRUCT\(.*contactMethods STRUCT\(.*\)\[\]\)\[\]$/);

      const counts = await queryDuckDB(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM ${source}`);
      expect(counts[0]).toEqual({ n: CONTACTS, d: CONTACTS });

      const sampleIds = simulator.expectedIds({ includeArchived: true }).filter((_, i) => i % 997 === 0);
      const rows = await queryDuckDB(
        `SELECT id, tags, address.city AS city, epoch_us(modifiedDateTimeUtc) AS modified, CAST(lastGiftDate AS VARCHAR) AS lastGiftDate,
                lastGiftDate_text, len(contactIndividuals) AS people
         FROM ${source} WHERE id IN (${sampleIds.join(',')}) ORDER BY id`,
      );
      expect(rows.map((row) => row.id)).toEqual(sampleIds);
      for (const row of rows) {
        const truth = simulator.fullContact(row.id as number)!;
        expect(row.tags).toEqual(truth.tags);
        expect(row.city).toEqual(truth.address?.city ?? null);
        // "Unavailable" is NULL in the DATE column; the text column keeps what Virtuous sent.
        expect(row.lastGiftDate).toBe(truth.lastGiftDate === 'Unavailable' ? null : truth.lastGiftDate.slice(0, 10));
        expect(row.lastGiftDate_text).toBe(truth.lastGiftDate);
        expect(row.people).toBe(truth.contactIndividuals.length);
        // Microseconds (Virtuous's 7th fractional digit is dropped).
        expect(row.modified).toBe(parseIsoMicros(truth.modifiedDateTimeUtc));
      }

      const status = await fixture.cli(['status', exportId, '--json']);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({
        exportId,
        state: 'committed',
        rows: CONTACTS,
        parts: manifest.parts.length,
        ranges: { done: manifest.ranges, total: manifest.ranges },
      });
    } finally {
      await rm(parts.directory, { recursive: true, force: true });
    }
  });
});
