import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { arrowSchemaFor, encodeParquet, TEST_PAGE } from '../support/parquet-encoding.js';
import { parquetColumnsOf } from '../../src/sinks/parquet-columns.js';
import type { FieldType, RecordSchema } from '../../src/sinks/record-schema.js';
import { closeContactSchema, closeContactSchemaWith } from '../../src/sources/close/close-contact-schema.js';
import { virtuousAbbreviatedContactSchema } from '../../src/sources/virtuous/virtuous-abbreviated-contact-schema.js';
import { virtuousFullContactSchema } from '../../src/sources/virtuous/virtuous-full-contact-schema.js';
import type { VirtuousFullContact } from '../../simulators/virtuous/virtuous-contact.js';
import { describeDuckDB, queryDuckDB } from '../support/duckdb.js';
import { realisticAbbreviatedContacts, realisticCloseContacts, realisticFullContacts } from './fixtures/realistic-contacts.js';

const directory = mkdtempSync(join(tmpdir(), 'parquet-encoder-test-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The typed contacts as the encoder's (and the sources') untyped rows. */
function asRows(records: readonly object[]): readonly Record<string, unknown>[] {
  return records as readonly Record<string, unknown>[];
}

let fileCount = 0;
function writeParquetFile(bytes: Uint8Array): string {
  const path = join(directory, `part-${fileCount++}.parquet`);
  writeFileSync(path, bytes);
  return path;
}

/**
 * What DuckDB should read back for `value` of `type`, worked out independently of the encoder:
 * timestamps through a regular expression and Date (zone-less text means UTC), beyond the unit dropped;
 * money text by stripping "$" and ","; dates from date-times by their first ten characters.
 */
function expectedValue(value: unknown, type: FieldType): unknown {
  if (value === undefined || value === null) return null;
  switch (type.kind) {
    case 'int64':
      return typeof value === 'string' ? Number(value) : value;
    case 'float64':
    case 'bool':
    case 'utf8':
      return value;
    case 'timestamp':
      return expectedTimestamp(value as string, type.unit ?? 'millisecond');
    case 'date':
      return /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?)?$/.test(value as string) ? (value as string).slice(0, 10) : null;
    case 'decimal':
      return /^\$\d{1,3}(,\d{3})*(\.\d+)?$/.test(value as string) ? Number((value as string).replace(/[$,]/g, '')) : null;
    case 'json':
      return JSON.stringify(value);
    case 'struct':
      return Object.fromEntries(
        type.fields.map((field) => [field.name, expectedValue((value as Record<string, unknown>)[field.sourceKey ?? field.name], field.type)]),
      );
    case 'list':
      return (value as unknown[]).map((item) => expectedValue(item, type.item));
  }
}

/** As test/support/duckdb.ts prints timestamps: ISO in UTC, six fractional digits when there are microseconds. */
function expectedTimestamp(text: string, unit: 'millisecond' | 'microsecond'): string | null {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/.exec(text);
  if (!match) return null;
  const fraction = (match[2] ?? '').padEnd(6, '0');
  const iso = new Date(`${match[1]}.${fraction.slice(0, 3)}${match[3] ?? 'Z'}`).toISOString();
  const micros = fraction.slice(3, 6);
  return unit === 'millisecond' || micros === '000' ? iso : `${iso.slice(0, -1)}${micros}Z`;
}

/** The rows DuckDB should read: the schema's columns, then the lineage of TEST_PAGE and no `_extra`. */
function expectedRows(records: readonly object[], schema: RecordSchema): Record<string, unknown>[] {
  const lineage = {
    _export_id: TEST_PAGE.exportId,
    _extracted_at: expectedTimestamp('2026-01-01T00:00:01.234567Z', 'microsecond'),
    _extra: null,
  };
  return records.map((record) => ({ ...(expectedValue(record, { kind: 'struct', fields: schema.fields }) as Record<string, unknown>), ...lineage }));
}

describe('encodeParquet read back by DuckDB', () => {
  it('full Virtuous contacts: warehouse column types and every value, field by field', async () => {
    const contacts: VirtuousFullContact[] = realisticFullContacts(400, 42, 1_000);
    contacts[0] = {
      ...contacts[0]!,
      name: 'Ünïcødé 東京 😀',
      address: null,
      contactIndividuals: [],
      tags: [],
      lastGiftDate: 'Unavailable',
      createDateTimeUtc: '2023-11-30T14:20:56.3533333',
      modifiedDateTimeUtc: '2023-11-30T14:20:56',
      mergedIntoContactId: 7,
    };
    const path = writeParquetFile(encodeParquet(asRows(contacts), virtuousFullContactSchema));

    const types = Object.fromEntries(
      (await describeDuckDB(`SELECT * FROM read_parquet('${path}')`)).map((column) => [column.column_name, column.column_type]),
    );
    expect(Object.keys(types)).toEqual(parquetColumnsOf(virtuousFullContactSchema).fields.map((field) => field.name));
    expect(Object.keys(types).slice(-3)).toEqual(['_export_id', '_extracted_at', '_extra']);
    expect(types).toMatchObject({
      id: 'BIGINT',
      contactType: 'VARCHAR',
      isPrivate: 'BOOLEAN',
      lastGiftDate: 'DATE',
      lastGiftDate_text: 'VARCHAR',
      lifeToDateGiving: 'DECIMAL(18,2)',
      lifeToDateGiving_text: 'VARCHAR',
      yearToDateGiving: 'DECIMAL(18,2)',
      lastGiftAmount: 'DECIMAL(18,2)',
      customCollections: 'VARCHAR',
      mergedIntoContactId: 'BIGINT',
      createDateTimeUtc: 'TIMESTAMP WITH TIME ZONE',
      modifiedDateTimeUtc: 'TIMESTAMP WITH TIME ZONE',
      _export_id: 'VARCHAR',
      _extracted_at: 'TIMESTAMP WITH TIME ZONE',
      _extra: 'VARCHAR',
      tags: 'VARCHAR[]',
      organizationGroups: 'VARCHAR[]',
      address:
        'STRUCT(id BIGINT, "label" VARCHAR, address1 VARCHAR, address2 VARCHAR, city VARCHAR, state VARCHAR, postal VARCHAR, country VARCHAR, isPrimary BOOLEAN)',
      contactReferences: 'STRUCT("source" VARCHAR, id VARCHAR)[]',
      customFields: 'STRUCT("name" VARCHAR, "value" VARCHAR, displayName VARCHAR)[]',
      contactIndividuals:
        'STRUCT(id BIGINT, contactId BIGINT, prefix VARCHAR, firstName VARCHAR, middleName VARCHAR, lastName VARCHAR, suffix VARCHAR, isPrimary BOOLEAN, isDeceased BOOLEAN, contactMethods STRUCT(id BIGINT, "type" VARCHAR, "value" VARCHAR, isOptedIn BOOLEAN, isPrimary BOOLEAN)[])[]',
    });

    const rows = await queryDuckDB(`SELECT * FROM read_parquet('${path}') ORDER BY id`);
    expect(rows).toHaveLength(contacts.length);
    const expected = expectedRows(contacts, virtuousFullContactSchema);
    for (let index = 0; index < rows.length; index++) expect(rows[index]).toEqual(expected[index]);

    const [first] = await queryDuckDB(
      `SELECT name, address, contactIndividuals, tags, lastGiftDate, lastGiftDate_text, mergedIntoContactId,
              createDateTimeUtc, epoch_us(createDateTimeUtc) AS createdMicros, modifiedDateTimeUtc
       FROM read_parquet('${path}') WHERE id = 1000`,
    );
    expect(first).toEqual({
      name: 'Ünïcødé 東京 😀',
      address: null,
      contactIndividuals: [],
      tags: [],
      lastGiftDate: null,
      lastGiftDate_text: 'Unavailable',
      mergedIntoContactId: 7,
      // Virtuous's 7th fractional digit (100 ns) is below TIMESTAMPTZ's microsecond: dropped.
      createDateTimeUtc: '2023-11-30T14:20:56.353333Z',
      createdMicros: Date.UTC(2023, 10, 30, 14, 20, 56, 353) * 1000 + 333,
      modifiedDateTimeUtc: '2023-11-30T14:20:56.000Z',
    });
  });

  it('nested values can be queried in SQL', async () => {
    const contacts = realisticFullContacts(50, 5);
    const path = writeParquetFile(encodeParquet(asRows(contacts), virtuousFullContactSchema));
    const rows = await queryDuckDB(
      `SELECT id, address.city AS city, len(contactIndividuals) AS individuals,
              contactIndividuals[1].contactMethods AS firstMethods
       FROM read_parquet('${path}') ORDER BY id`,
    );
    expect(rows).toEqual(
      contacts.map((contact) => ({
        id: contact.id,
        city: contact.address?.city ?? null,
        individuals: contact.contactIndividuals.length,
        firstMethods: expectedValue(contact.contactIndividuals[0]?.contactMethods ?? null, {
          kind: 'list',
          item: {
            kind: 'struct',
            fields: [
              { name: 'id', type: { kind: 'int64' } },
              { name: 'type', type: { kind: 'utf8' } },
              { name: 'value', type: { kind: 'utf8' } },
              { name: 'isOptedIn', type: { kind: 'bool' } },
              { name: 'isPrimary', type: { kind: 'bool' } },
            ],
          },
        }),
      })),
    );
  });

  it('abbreviated Virtuous contacts', async () => {
    const contacts = realisticAbbreviatedContacts(300, 3);
    const path = writeParquetFile(encodeParquet(asRows(contacts), virtuousAbbreviatedContactSchema));
    expect(await describeDuckDB(`SELECT * FROM read_parquet('${path}')`)).toEqual(
      parquetColumnsOf(virtuousAbbreviatedContactSchema).fields.map((field) => ({
        column_name: field.name,
        column_type: field.name === 'id' ? 'BIGINT' : field.name === '_extracted_at' ? 'TIMESTAMP WITH TIME ZONE' : 'VARCHAR',
      })),
    );
    expect(await queryDuckDB(`SELECT * FROM read_parquet('${path}') ORDER BY id`)).toEqual(expectedRows(contacts, virtuousAbbreviatedContactSchema));
  });

  it('Close contacts with custom fields as JSON columns', async () => {
    const customFieldKeys = ['custom.cf_abc123XYZ', 'custom.cf_Dq9', 'custom.cf_empty'];
    const contacts = realisticCloseContacts(300, customFieldKeys.slice(0, 2), 11);
    contacts[1] = { ...contacts[1], 'custom.cf_empty': { nested: ['ö', 1] } };
    const schema = closeContactSchemaWith(customFieldKeys);
    const path = writeParquetFile(encodeParquet(contacts, schema));

    const types = await describeDuckDB(`SELECT * FROM read_parquet('${path}')`);
    expect(types).toEqual([
      { column_name: 'id', column_type: 'VARCHAR' },
      { column_name: 'lead_id', column_type: 'VARCHAR' },
      { column_name: 'organization_id', column_type: 'VARCHAR' },
      { column_name: 'name', column_type: 'VARCHAR' },
      { column_name: 'display_name', column_type: 'VARCHAR' },
      { column_name: 'title', column_type: 'VARCHAR' },
      { column_name: 'emails', column_type: 'STRUCT("type" VARCHAR, email VARCHAR)[]' },
      {
        column_name: 'phones',
        column_type: 'STRUCT("type" VARCHAR, phone VARCHAR, phone_formatted VARCHAR, country VARCHAR)[]',
      },
      { column_name: 'urls', column_type: 'STRUCT("type" VARCHAR, url VARCHAR)[]' },
      { column_name: 'date_created', column_type: 'TIMESTAMP WITH TIME ZONE' },
      { column_name: 'date_updated', column_type: 'TIMESTAMP WITH TIME ZONE' },
      { column_name: 'created_by', column_type: 'VARCHAR' },
      { column_name: 'updated_by', column_type: 'VARCHAR' },
      { column_name: 'custom_cf_abc123XYZ', column_type: 'VARCHAR' },
      { column_name: 'custom_cf_Dq9', column_type: 'VARCHAR' },
      { column_name: 'custom_cf_empty', column_type: 'VARCHAR' },
      { column_name: '_export_id', column_type: 'VARCHAR' },
      { column_name: '_extracted_at', column_type: 'TIMESTAMP WITH TIME ZONE' },
      { column_name: '_extra', column_type: 'VARCHAR' },
    ]);

    const rows = await queryDuckDB(`SELECT * FROM read_parquet('${path}')`);
    expect(rows).toEqual(expectedRows(contacts, schema));
    expect(rows[1]!.custom_cf_empty).toBe('{"nested":["ö",1]}');
    expect(rows.filter((row) => row.custom_cf_empty === null)).toHaveLength(299);

    const [first] = await queryDuckDB(
      `SELECT epoch_ms(date_created) AS created FROM read_parquet('${path}') WHERE id = '${contacts[0]!.id as string}'`,
    );
    expect(first!.created).toBe(Date.parse(contacts[0]!.date_created as string));
  });

  it('Close contacts without custom fields', async () => {
    const contacts = realisticCloseContacts(20, [], 2);
    const path = writeParquetFile(encodeParquet(contacts, closeContactSchema));
    expect(await queryDuckDB(`SELECT * FROM read_parquet('${path}')`)).toEqual(expectedRows(contacts, closeContactSchema));
  });

  it('honours row group size and compression, with dictionary encoding and statistics', async () => {
    const contacts = realisticAbbreviatedContacts(25_000, 9);
    const zstd = writeParquetFile(encodeParquet(asRows(contacts), virtuousAbbreviatedContactSchema, { rowGroupRows: 10_000 }));
    const groups = await queryDuckDB(
      `SELECT row_group_id, any_value(row_group_num_rows) AS num_rows, list(DISTINCT compression) AS codecs
       FROM parquet_metadata('${zstd}') GROUP BY row_group_id ORDER BY row_group_id`,
    );
    expect(groups).toEqual([
      { row_group_id: 0, num_rows: 10_000, codecs: ['ZSTD'] },
      { row_group_id: 1, num_rows: 10_000, codecs: ['ZSTD'] },
      { row_group_id: 2, num_rows: 5_000, codecs: ['ZSTD'] },
    ]);
    const [idColumn] = await queryDuckDB(
      `SELECT stats_min_value, stats_max_value, encodings FROM parquet_metadata('${zstd}')
       WHERE row_group_id = 0 AND path_in_schema = 'id'`,
    );
    expect(idColumn).toMatchObject({ stats_min_value: '1', stats_max_value: '10000' });
    const [contactType] = await queryDuckDB(
      `SELECT encodings FROM parquet_metadata('${zstd}') WHERE row_group_id = 0 AND path_in_schema = 'contactType'`,
    );
    expect(String(contactType!.encodings)).toMatch(/DICTIONARY/);

    for (const [compression, codec] of [
      ['snappy', 'SNAPPY'],
      ['none', 'UNCOMPRESSED'],
    ] as const) {
      const path = writeParquetFile(
        encodeParquet(asRows(contacts.slice(0, 100)), virtuousAbbreviatedContactSchema, {
          compression,
        }),
      );
      expect(await queryDuckDB(`SELECT DISTINCT compression FROM parquet_metadata('${path}')`)).toEqual([{ compression: codec }]);
      expect(await queryDuckDB(`SELECT count(*) AS n FROM read_parquet('${path}')`)).toEqual([{ n: 100 }]);
    }
    const [{ n } = {}] = await queryDuckDB(`SELECT count(*) AS n, count(DISTINCT id) AS ids FROM read_parquet('${zstd}')`);
    expect(n).toBe(25_000);
  });

  it('writes a valid file for no rows', async () => {
    const path = writeParquetFile(encodeParquet([], virtuousFullContactSchema));
    expect(await queryDuckDB(`SELECT count(*) AS n FROM read_parquet('${path}')`)).toEqual([{ n: 0 }]);
    expect((await describeDuckDB(`SELECT * FROM read_parquet('${path}')`)).map((column) => column.column_name)).toEqual(
      parquetColumnsOf(virtuousFullContactSchema).fields.map((field) => field.name),
    );
  });

  it('rejects a row group size that is not a positive integer', () => {
    expect(() => encodeParquet([], virtuousAbbreviatedContactSchema, { rowGroupRows: 0 })).toThrow(RangeError);
  });

  it('exports the Arrow schema derivation', () => {
    expect(arrowSchemaFor(closeContactSchema).fields.map((field) => `${field.name}: ${field.type}`)).toContain(
      'emails: List<Struct<{type:Utf8, email:Utf8}>>',
    );
  });

  it('size and speed sanity figure (printed, not asserted)', () => {
    const contacts = realisticFullContacts(10_000, 1);
    const json = JSON.stringify(contacts);
    const started = performance.now();
    const bytes = encodeParquet(asRows(contacts), virtuousFullContactSchema);
    const elapsed = performance.now() - started;
    console.log(
      `10,000 full Virtuous contacts: JSON ${(json.length / 1048576).toFixed(1)} MiB -> Parquet ${(bytes.length / 1048576).toFixed(2)} MiB (ZSTD) in ${elapsed.toFixed(0)} ms`,
    );
    expect(bytes.length).toBeGreaterThan(0);
  });
});
