import { readFile, rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseIsoMicros } from '../../src/time/iso-instant.js';
import type { CloseSimulator, CloseSimulatorOptions } from '../../simulators/close/index.js';
import { describeDuckDB, queryDuckDB } from '../support/duckdb.js';
import { downloadParts, sqlList } from '../support/export-download.js';
import { BUCKET, CloseExportFixture } from '../support/close-fixture.js';

/** What DuckDB shows for each Close custom field type (accepts_multiple_values: a list). */
const COLUMN_TYPES: Record<string, string> = {
  choices: 'VARCHAR',
  number: 'DOUBLE',
  text: 'VARCHAR',
  date: 'DATE',
  datetime: 'TIMESTAMP WITH TIME ZONE',
  user: 'VARCHAR',
  contact: 'VARCHAR',
  hidden: 'VARCHAR',
};

type CustomField = ReturnType<CloseSimulator['customFields']>[number];

const column = (field: CustomField) => `custom_${field.id}`;

/** A value as the simulator holds it, in the form DuckDB gives back for the field's column (see test/support/duckdb.ts). */
function expectedCell(field: CustomField, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (field.acceptsMultipleValues) return (Array.isArray(value) ? value : [value]).map(String);
  if (field.type === 'hidden') return JSON.stringify(value);
  if (field.type === 'datetime') return parseIsoMicros(value as string);
  return value;
}

function actualCell(field: CustomField, value: unknown): unknown {
  return field.type === 'datetime' && !field.acceptsMultipleValues && typeof value === 'string' ? parseIsoMicros(value) : value;
}

/** One test's own simulator, S3 endpoint, queue prefix and worker. */
async function withFixture(label: string, options: CloseSimulatorOptions, test: (fixture: CloseExportFixture) => Promise<void>): Promise<void> {
  const fixture = await CloseExportFixture.create(label, options);
  try {
    await fixture.startWorkers(1, 2);
    await test(fixture);
  } finally {
    await fixture.close();
  }
}

async function exportParts(fixture: CloseExportFixture, format: 'parquet' | 'ndjson', args: string[] = []) {
  const { result, folder } = await fixture.export(`s3://${BUCKET}/close-cf/${format}`, ['--format', format, '--part-rows', '300', ...args]);
  expect(result.code, result.stderr + fixture.workerLogs()).toBe(0);
  const manifest = (await fixture.manifest(folder))!;
  return { manifest, stderr: result.stderr };
}

/** Every contact's custom values in the Parquet parts, compared with the simulator's; returns the column types. */
async function expectTypedCustomValues(
  fixture: CloseExportFixture,
  manifest: Parameters<CloseExportFixture['queryParts']>[0],
): Promise<Record<string, string>> {
  const sim = fixture.simulator;
  const fields = sim.customFields();
  const parts = await downloadParts(fixture.store, manifest);
  try {
    const reader = `read_parquet(${sqlList(parts.files)})`;
    const types = Object.fromEntries((await describeDuckDB(`SELECT * FROM ${reader}`)).map((c) => [c.column_name, c.column_type]));
    for (const field of fields) {
      expect(types[column(field)], `${field.name} (${field.type})`).toBe(field.acceptsMultipleValues ? 'VARCHAR[]' : COLUMN_TYPES[field.type]);
    }
    const rows = await queryDuckDB(`SELECT id, ${fields.map((field) => `"${column(field)}"`).join(', ')} FROM ${reader} ORDER BY id`);
    expect(rows.map((row) => row.id)).toEqual([...sim.expectedIds()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    const wrong: string[] = [];
    for (const row of rows) {
      const truth = sim.contact(row.id as string)!;
      for (const field of fields) {
        const expected = expectedCell(field, truth[`custom.${field.id}`]);
        const actual = actualCell(field, row[column(field)]);
        if (JSON.stringify(actual) !== JSON.stringify(expected))
          wrong.push(`${row.id} ${field.name}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    return types;
  } finally {
    await rm(parts.directory, { recursive: true, force: true });
  }
}

describe('Close custom fields end to end: discovered, typed, in every answer shape', () => {
  for (const customFieldShape of ['flat', 'nested-by-id', 'nested-by-name'] as const) {
    it(`exports every custom field as a typed column, values equal to Close's (search answers ${customFieldShape})`, async () => {
      await withFixture(`close-cf-${customFieldShape}`, { contacts: 800, seed: 31, customFields: 11, customFieldShape }, async (fixture) => {
        const { manifest, stderr } = await exportParts(fixture, 'parquet');
        expect(manifest.rows).toBe(800);
        expect(stderr).toContain('11 contact custom field(s) from GET /custom_field/contact/');
        const types = await expectTypedCustomValues(fixture, manifest);
        // Every kind of column is there: text, number, date, list, JSON (hidden), timestamp, user and contact references.
        const customTypes = new Set(fixture.simulator.customFields().map((field) => types[column(field)]));
        expect(customTypes).toEqual(new Set(['VARCHAR', 'DOUBLE', 'DATE', 'VARCHAR[]', 'TIMESTAMP WITH TIME ZONE']));
        expect(fixture.simulator.stats.customFieldListings).toBe(1);
      });
    });
  }

  it('exports all 150 custom fields of an organization through a Close that takes 80 selectors per request, in Parquet and as NDJSON bytes', async () => {
    await withFixture(
      'close-cf-wide',
      { contacts: 600, seed: 8, customFields: 150, maxFieldSelectors: 80, customFieldShape: 'flat' },
      async (fixture) => {
        const sim = fixture.simulator;
        const { manifest, stderr } = await exportParts(fixture, 'parquet');
        expect(manifest.rows).toBe(600);
        expect(stderr).toMatch(/150 contact custom field\(s\).*each page is read in 3 requests/);
        await expectTypedCustomValues(fixture, manifest);
        // Every request stayed within the cap: no 400 at all.
        expect(sim.stats.byStatus[400] ?? 0).toBe(0);

        const ndjson = (await exportParts(fixture, 'ndjson')).manifest;
        const parts = await downloadParts(fixture.store, ndjson);
        try {
          const lines = (await Promise.all(parts.files.map((file) => readFile(file, 'utf8')))).flatMap((text) =>
            text.split('\n').filter((line) => line !== ''),
          );
          expect(lines).toHaveLength(600);
          const fields = sim.customFields();
          const wrong: string[] = [];
          for (const line of lines) {
            const record = JSON.parse(line) as Record<string, unknown>;
            const truth = sim.contact(record.id as string)!;
            for (const field of fields) {
              const key = `custom.${field.id}`;
              if (!(key in record) || JSON.stringify(record[key]) !== JSON.stringify(truth[key] ?? null)) wrong.push(`${record.id} ${key}`);
            }
          }
          expect(wrong.slice(0, 5)).toEqual([]);
          // The API's own bytes: numbers keep Close's digits, one object per contact with each key once.
          expect(lines.every((line) => line.startsWith('{"__object_type":"contact","id":"cont_'))).toBe(true);
        } finally {
          await rm(parts.directory, { recursive: true, force: true });
        }
      },
    );
  });

  it('lists the regular and custom fields with `options --source close`, and says the search API is beta', async () => {
    await withFixture('close-cf-options', { contacts: 5, customFields: 11 }, async (fixture) => {
      const text = await fixture.cli(['options', '--source', 'close']);
      expect(text.code, text.stderr).toBe(0);
      for (const field of fixture.simulator.customFields()) expect(text.stdout).toContain(field.id);
      expect(text.stdout).toMatch(/Reviewers\s+user\s+yes\s+custom_cf_\w+\s+VARCHAR\[\]/);
      expect(text.stdout).toMatch(/date_created\s+TIMESTAMP WITH TIME ZONE/);
      expect(text.stdout).toContain('beta');
      const json = await fixture.cli(['options', '--source', 'close', '--json']);
      const listing = JSON.parse(json.stdout);
      expect(listing.customFields.map((field: { id: string }) => field.id)).toEqual(fixture.simulator.customFieldIds());
      expect(listing.customFields[3]).toMatchObject({ name: 'Renewal Date', type: 'date', acceptsMultipleValues: false, columnType: 'DATE' });
      expect(json.stdout).not.toContain(fixture.simulator.apiKey);
    });
  });
});
