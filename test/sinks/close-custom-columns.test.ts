import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeParquet } from '../support/parquet-encoding.js';
import { parseIsoDateTimeMicros } from '../../src/time/iso-instant.js';
import { closeContactSchemaWith } from '../../src/sources/close/close-contact-schema.js';
import { describeDuckDB, queryDuckDB } from '../support/duckdb.js';

const directory = mkdtempSync(join(tmpdir(), 'close-custom-columns-test-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const CATALOGUE = [
  { id: 'cf_date', type: 'date', acceptsMultipleValues: false },
  { id: 'cf_moment', type: 'datetime', acceptsMultipleValues: false },
  { id: 'cf_amount', type: 'number', acceptsMultipleValues: false },
  { id: 'cf_tags', type: 'choices', acceptsMultipleValues: true },
];

/** Typed Close custom columns as DuckDB reads them: DATE, microsecond TIMESTAMPTZ, DOUBLE, VARCHAR[]. */
describe('typed Close custom columns in Parquet', () => {
  it('keeps dates (before 1970 and leap days), instants to the microsecond in any offset, decimals and lists', async () => {
    const rows = [
      {
        id: 'a',
        'custom.cf_date': '2024-02-29',
        'custom.cf_moment': '2014-06-27T22:00:00.123456-08:00',
        'custom.cf_amount': 12.34,
        'custom.cf_tags': ['x', 'y'],
      },
      {
        id: 'b',
        'custom.cf_date': '1969-12-31',
        'custom.cf_moment': '1969-12-31T23:59:59.999999+00:00',
        'custom.cf_amount': -0.5,
        'custom.cf_tags': [],
      },
      { id: 'c', 'custom.cf_date': null, 'custom.cf_moment': '2021-03-04T05:06:07.8901239Z', 'custom.cf_amount': null, 'custom.cf_tags': null },
      { id: 'd' },
    ];
    const schema = closeContactSchemaWith(
      CATALOGUE.map((field) => `custom.${field.id}`),
      CATALOGUE,
    );
    const path = join(directory, 'typed.parquet');
    writeFileSync(path, encodeParquet(rows, { name: schema.name, fields: schema.fields.filter((field) => field.name === 'id' || field.sourceKey) }));
    const types = await describeDuckDB(`SELECT * FROM read_parquet('${path}')`);
    expect(types.map((column) => column.column_type)).toEqual([
      'VARCHAR',
      'DATE',
      'TIMESTAMP WITH TIME ZONE',
      'DOUBLE',
      'VARCHAR[]',
      // the lineage columns and _extra
      'VARCHAR',
      'TIMESTAMP WITH TIME ZONE',
      'VARCHAR',
    ]);
    const read = await queryDuckDB(
      `SELECT id, CAST(custom_cf_date AS VARCHAR) AS day, epoch_us(custom_cf_moment) AS micros, custom_cf_amount AS amount, custom_cf_tags AS tags
       FROM read_parquet('${path}') ORDER BY id`,
    );
    expect(read).toEqual([
      { id: 'a', day: '2024-02-29', micros: Date.UTC(2014, 5, 28, 6) * 1000 + 123456, amount: 12.34, tags: ['x', 'y'] },
      { id: 'b', day: '1969-12-31', micros: -1, amount: -0.5, tags: [] },
      { id: 'c', day: null, micros: Date.UTC(2021, 2, 4, 5, 6, 7) * 1000 + 890123, amount: null, tags: null },
      { id: 'd', day: null, micros: null, amount: null, tags: null },
    ]);
  });

  it('parses ISO 8601 date-times to microseconds, and nothing else', () => {
    expect(parseIsoDateTimeMicros('2013-02-20T05:44:35.625000+00:00')).toBe(Date.UTC(2013, 1, 20, 5, 44, 35, 625) * 1000);
    expect(parseIsoDateTimeMicros('2013-02-20T05:44+0130')).toBe(Date.UTC(2013, 1, 20, 4, 14) * 1000);
    expect(parseIsoDateTimeMicros('2013-02-20 05:44:35')).toBe(Date.UTC(2013, 1, 20, 5, 44, 35) * 1000);
    for (const bad of ['2013-02-30T00:00:00Z', '2013-02-20', 'yesterday', '2013-02-20T24:00:00Z', '2013-02-20T05:44:35+25:00']) {
      expect(parseIsoDateTimeMicros(bad), bad).toBeNull();
    }
  });
});
