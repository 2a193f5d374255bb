import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIsoMicros } from '../../src/time/iso-instant.js';
import { describeDuckDB, queryDuckDB } from '../support/duckdb.js';
import { downloadParts, sqlList } from '../support/export-download.js';
import { BUCKET, CloseExportFixture } from '../support/close-fixture.js';

const CONTACTS = 30_000;
const SHARED_AT = '2018-10-01T12:00:00.123456+00:00';

/**
 * Close end to end: 30,000 contacts, 2,000 of them created in the same microsecond, a simulator whose
 * cursors die after 200 ms and whose walks stop after 3,000 contacts, two worker processes.
 */
describe('a full Close export with two worker processes, expiring cursors and capped walks', () => {
  let fixture: CloseExportFixture;
  let directory: string;

  beforeAll(async () => {
    // Cursors live 500 ms, and the simulator's clock leaps 600 ms every 100 readings (a stalled server), so
    // walks die mid-way on any machine, fast or loaded; part uploads between pages outlast the TTL too.
    let readings = 0;
    fixture = await CloseExportFixture.create('close-export', {
      contacts: CONTACTS,
      seed: 42,
      sharedTimestamp: { count: 2000, at: SHARED_AT },
      cursorTtlMs: 500,
      maxObjectsPerWalk: 3000,
      now: () => Date.now() + 600 * Math.floor(++readings / 100),
    });
    directory = await mkdtemp(join(tmpdir(), 'close-export-test-'));
    await fixture.startWorkers(2);
  });

  afterAll(async () => {
    await fixture?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  async function exportWith(format: 'parquet' | 'ndjson', args: string[] = []) {
    const { exportId, result, folder } = await fixture.export(`s3://${BUCKET}/close/${format}`, ['--format', format, '--part-rows', '2000', ...args]);
    expect(result.stderr + fixture.workerLogs()).not.toContain('"level":60');
    expect(result.code, result.stderr).toBe(0);
    expect(exportId).toMatch(/^exp-/);
    expect(await fixture.store.exists(`${folder}/_SUCCESS`)).toBe(true);
    const manifest = (await fixture.manifest(folder))!;
    expect(manifest.source).toBe('close');
    expect(manifest.schema).toBe('close.contact');
    return { exportId, manifest, folder };
  }

  /** Export ids that have any key in Redis (queues, registry, checkpoints). */
  const exportIdsIn = (keys: string[]) => [...new Set(keys.flatMap((key) => key.match(/exp-\d{8}t\d{6}-[0-9a-f]{6}/) ?? []))].sort();

  const sorted = (ids: string[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  it('writes typed Parquet parts in which DuckDB finds every contact exactly once', async () => {
    const expiredBefore = fixture.simulator.stats.cursorsExpired;
    const { manifest } = await exportWith('parquet');
    const sim = fixture.simulator;
    expect(manifest.rows).toBe(CONTACTS);
    expect(manifest.ranges, 'several ranges, each walked on its own').toBeGreaterThan(1);
    // Walks were cut short and restarted: by expired cursors, and by the 3,000 cap in every range larger than that.
    expect(sim.stats.cursorsExpired).toBeGreaterThan(expiredBefore);
    const rowsPerRange = new Map<number, number>();
    for (const part of manifest.parts) rowsPerRange.set(part.rangeIndex, (rowsPerRange.get(part.rangeIndex) ?? 0) + part.rows);
    expect(Math.max(...rowsPerRange.values())).toBeGreaterThan(3000);

    const ids = await fixture.queryParts(manifest, (reader) => `SELECT id, count(*) AS n FROM ${reader} GROUP BY id ORDER BY id`);
    expect(ids.map((row) => row.id)).toEqual(sorted(sim.expectedIds()));
    expect(ids.every((row) => row.n === 1)).toBe(true);

    // S3 allows 2 KB of user metadata per object: the parts' cursors (start and end, each listing at most
    // 8 ids read at a timestamp, even inside the group of 2,000) stay well within it.
    const metadata = await Promise.all(manifest.parts.map((part) => fixture.store.metadata(part.key)));
    const metadataBytes = metadata.map((entries) => Object.entries(entries).reduce((sum, [key, value]) => sum + key.length + value.length, 0));
    expect(Math.max(...metadataBytes)).toBeLessThanOrEqual(2048);
    expect(metadata.every((entries) => entries['start-cursor'] !== undefined && entries.cursor !== undefined)).toBe(true);

    // Manifest keys of Close parts are date_created values, ascending within a range.
    for (const part of manifest.parts) {
      expect(Date.parse(part.firstKey as string)).toBeLessThanOrEqual(Date.parse(part.lastKey as string));
    }

    const customKeys = sim.customFieldIds().map((id) => `custom.${id}`);
    const customColumns = customKeys.map((key) => key.replace('.', '_'));
    const parts = await downloadParts(fixture.store, manifest);
    try {
      const reader = `read_parquet(${sqlList(parts.files)})`;
      const types = Object.fromEntries((await describeDuckDB(`SELECT * FROM ${reader}`)).map((c) => [c.column_name, c.column_type]));
      expect(types).toMatchObject({
        id: 'VARCHAR',
        name: 'VARCHAR',
        date_created: 'TIMESTAMP WITH TIME ZONE',
        date_updated: 'TIMESTAMP WITH TIME ZONE',
        emails: 'STRUCT("type" VARCHAR, email VARCHAR)[]',
      });
      // Typed from GET /custom_field/contact/: Tier is a choices field, Score a number.
      expect(sim.customFields().map((field) => field.type)).toEqual(['choices', 'number']);
      expect(customColumns.map((column) => types[column])).toEqual(['VARCHAR', 'DOUBLE']);

      const shared = await queryDuckDB(`SELECT count(*) AS n FROM ${reader} WHERE date_created = TIMESTAMPTZ '${SHARED_AT}'`);
      expect(shared[0]!.n).toBe(2000);

      const sample = sim.expectedIds().filter((_, i) => i % 251 === 0);
      const rows = await queryDuckDB(
        `SELECT id, name, title, lead_id, emails, phones, epoch_us(date_created) AS created, ${customColumns.map((c) => `"${c}"`).join(', ')}
         FROM ${reader} WHERE id IN (${sample.map((id) => `'${id}'`).join(',')}) ORDER BY id`,
      );
      expect(rows).toHaveLength(sample.length);
      for (const row of rows) {
        const truth = sim.contact(row.id as string)!;
        expect([row.name, row.title, row.lead_id]).toEqual([truth.name, truth.title ?? null, truth.lead_id]);
        expect(row.emails).toEqual(truth.emails);
        expect((row.phones as unknown[]).length).toBe((truth.phones as unknown[]).length);
        expect(row.created).toBe(parseIsoMicros(truth.date_created as string));
        customKeys.forEach((key, k) => expect(row[customColumns[k]!]).toEqual(truth[key] ?? null));
      }
    } finally {
      await rm(parts.directory, { recursive: true, force: true });
    }
  });

  it('writes NDJSON parts with the records as Close sent them, every contact exactly once', async () => {
    const { manifest } = await exportWith('ndjson', ['--gzip']);
    const sim = fixture.simulator;
    expect(manifest.rows).toBe(CONTACTS);
    expect(manifest.compression).toBe('gzip');
    const ids = await fixture.queryParts(manifest, (reader) => `SELECT id, count(*) AS n FROM ${reader} GROUP BY id ORDER BY id`);
    expect(ids.map((row) => row.id)).toEqual(sorted(sim.expectedIds()));
    expect(ids.every((row) => row.n === 1)).toBe(true);
    const sample = sim.expectedIds().filter((_, i) => i % 997 === 0);
    const rows = await fixture.queryParts(
      manifest,
      (reader) => `SELECT id, date_created, emails FROM ${reader} WHERE id IN (${sample.map((id) => `'${id}'`).join(',')})`,
    );
    expect(rows).toHaveLength(sample.length);
    for (const row of rows) {
      const truth = sim.contact(row.id as string)!;
      expect(row.emails).toEqual(truth.emails);
    }
  });

  it('exports exactly the contacts a --query matches: a lead status, and at least one email', async () => {
    const sim = fixture.simulator;
    const all = sim.expectedIds();
    const customer = all.map((id) => sim.leadOf(id)!).find((lead) => lead.status_label === 'Customer')!;
    const statusId = customer.status_id as string;
    const expected = all.filter((id) => sim.leadOf(id)!.status_id === statusId && (sim.contact(id)!.emails as unknown[]).length >= 1);
    expect(expected.length).toBeGreaterThan(3000);
    expect(expected.length).toBeLessThan(CONTACTS / 2);

    const queryFile = join(directory, 'customers-with-email.json');
    await writeFile(
      queryFile,
      JSON.stringify({
        type: 'and',
        queries: [
          {
            type: 'has_related',
            this_object_type: 'contact',
            related_object_type: 'lead',
            related_query: {
              type: 'field_condition',
              field: { type: 'regular_field', object_type: 'lead', field_name: 'status_id' },
              condition: { type: 'reference', reference_type: 'status', object_ids: [statusId] },
            },
          },
          {
            type: 'field_condition',
            field: { type: 'regular_field', object_type: 'contact', field_name: 'emails_count' },
            condition: { type: 'number_range', gte: 1 },
          },
        ],
      }),
    );
    const { manifest } = await exportWith('parquet', ['--query', queryFile, '--fields', 'name,emails', '--range-rows', '1000']);
    expect(manifest.rows).toBe(expected.length);
    expect(manifest.ranges).toBeGreaterThan(1);
    const rows = await fixture.queryParts(manifest, (reader) => `SELECT id, count(*) AS n FROM ${reader} GROUP BY id ORDER BY id`);
    expect(rows.map((row) => row.id)).toEqual(sorted(expected));
    expect(rows.every((row) => row.n === 1)).toBe(true);
    const columns = await fixture.queryParts(manifest, (reader) => `SELECT * FROM ${reader} LIMIT 1`);
    expect(Object.keys(columns[0]!)).toEqual(['id', 'name', 'emails', 'date_created', '_export_id', '_extracted_at', '_extra']);
  });

  it('refuses a bad --query, and options of the other source, before anything is enqueued', async () => {
    const badFile = join(directory, 'bad-query.json');
    await writeFile(
      badFile,
      JSON.stringify({
        type: 'and',
        queries: [
          { type: 'object_type', object_type: 'contact' },
          { type: 'fuzzy', value: 'x' },
        ],
      }),
    );
    const dest = `s3://${BUCKET}/close/refused`;
    const cases: [string[], RegExp][] = [
      [
        ['--source', 'close', '--query', badFile],
        /not a valid Close query: query\.queries\[1\]\.type "fuzzy" is not a supported query type; use one of and, or, object_type, id, text, field_condition, has_related, match_all/,
      ],
      [['--source', 'close', '--full-contact'], /--full-contact applies to --source virtuous only/],
      [['--source', 'virtuous', '--fields', 'name'], /--fields applies to --source close only/],
    ];
    const exportsBefore = exportIdsIn(await fixture.exportKeys());
    const results = await Promise.all(cases.map(([args]) => fixture.cli(['start', ...args, '--dest', dest])));
    results.forEach((result, k) => {
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(cases[k]![1]);
      expect(result.stdout).toBe('');
    });
    expect(await fixture.store.list('close/refused/')).toEqual([]);
    expect(exportIdsIn(await fixture.exportKeys())).toEqual(exportsBefore);
  });
});
