import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ContactGenerator } from '../../simulators/virtuous/contact-generator.js';
import { formatMoney, toFullContact } from '../../simulators/virtuous/contact-records.js';
import { columnTypeName } from '../../src/sinks/column-type-name.js';
import { parquetEncodingThread } from '../../src/sinks/encoding/parquet-encoding-thread-client.js';
import { NdjsonEncoder } from '../../src/sinks/ndjson/ndjson-encoder.js';
import { ArrowTableBuilder } from '../../src/sinks/parquet/arrow-columns.js';
import { isoDateTimeMicros } from '../../src/sinks/parquet/date-accumulators.js';
import { parseDecimalUnscaled } from '../../src/sinks/parquet/decimal-accumulator.js';
import { parquetColumnsOf } from '../../src/sinks/parquet-columns.js';
import { ParquetPartEncoder } from '../../src/sinks/parquet-part-encoder.js';
import { MAX_UNKNOWN_FIELDS, type PageContext } from '../../src/sinks/part-encoder.js';
import type { RecordRow, RecordSchema } from '../../src/sinks/record-schema.js';
import { closeContactSchemaWith } from '../../src/sources/close/close-contact-schema.js';
import { closeSchemaFor } from '../../src/sources/close/close-fields.js';
import { virtuousAbbreviatedContactSchema } from '../../src/sources/virtuous/virtuous-abbreviated-contact-schema.js';
import { virtuousFullContactSchema } from '../../src/sources/virtuous/virtuous-full-contact-schema.js';
import { parseIsoDateTimeMicros, parseIsoMicros } from '../../src/time/iso-instant.js';
import { describeDuckDB, queryDuckDB } from '../support/duckdb.js';
import { encodeParquet, TEST_PAGE } from '../support/parquet-encoding.js';
import { comparable, recordOfParquetRow } from '../support/parquet-record.js';
import { realisticAbbreviatedContacts, realisticCloseContacts, realisticFullContacts, SeededRandom } from './fixtures/realistic-contacts.js';

const directory = mkdtempSync(join(tmpdir(), 'warehouse-columns-test-'));
afterAll(async () => {
  rmSync(directory, { recursive: true, force: true });
  await parquetEncodingThread.close();
});

let files = 0;
function parquetFile(bytes: Uint8Array): string {
  const path = join(directory, `part-${files++}.parquet`);
  writeFileSync(path, bytes);
  return path;
}

function asRows(records: readonly object[]): RecordRow[] {
  return records as RecordRow[];
}

/** "$1,200.50" as DuckDB prints the DECIMAL(18,2) of it ("1200.50"), worked out from the text alone. */
function decimalTextOfMoney(text: string): string | null {
  const match = /^(-)?\$(\d{1,3}(?:,\d{3})*)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return null;
  return `${match[1] ?? ''}${BigInt(match[2]!.replaceAll(',', ''))}.${(match[3] ?? '').padEnd(2, '0')}`;
}

const MONEY_KEYS = ['lifeToDateGiving', 'yearToDateGiving', 'lastGiftAmount'] as const;

describe('money as DECIMAL(18,2), the text kept beside it', () => {
  it('equals the text amount on every row of a realistic sample, and sums exactly', async () => {
    const random = new SeededRandom(15);
    const contacts = realisticFullContacts(3000, 15).map((contact, index) => ({
      ...contact,
      // The simulator's own formatting, with cents ("$1,200.50"), on most rows.
      ...(index % 4 === 0 ? {} : { yearToDateGiving: formatMoney(random.integer(0, 5_000_000)), lastGiftAmount: formatMoney(random.integer(0, 99)) }),
    }));
    contacts[1]!.lifeToDateGiving = '-$5.00';
    contacts[2]!.lifeToDateGiving = 'Unavailable';
    contacts[3]!.lifeToDateGiving = '';
    const path = parquetFile(encodeParquet(asRows(contacts), virtuousFullContactSchema));

    const types = Object.fromEntries((await describeDuckDB(`SELECT * FROM read_parquet('${path}')`)).map((c) => [c.column_name, c.column_type]));
    for (const key of MONEY_KEYS) expect([types[key], types[`${key}_text`]]).toEqual(['DECIMAL(18,2)', 'VARCHAR']);

    const rows = await queryDuckDB(
      `SELECT id, ${MONEY_KEYS.map((key) => `CAST(${key} AS VARCHAR) AS ${key}, ${key}_text`).join(', ')} FROM read_parquet('${path}') ORDER BY id`,
    );
    expect(rows).toHaveLength(contacts.length);
    let withCents = 0;
    rows.forEach((row, index) => {
      const contact = contacts[index]!;
      expect(row.id).toBe(contact.id);
      for (const key of MONEY_KEYS) {
        expect(row[key], `${key} of ${contact.id}: ${contact[key]}`).toBe(decimalTextOfMoney(contact[key]));
        expect(row[`${key}_text`]).toBe(contact[key]);
        if (/\.\d\d$/.test(contact[key])) withCents++;
      }
    });
    expect(withCents).toBeGreaterThan(1000);
    expect(rows[1]!.lifeToDateGiving).toBe('-5.00');
    expect([rows[2]!.lifeToDateGiving, rows[2]!.lifeToDateGiving_text]).toEqual([null, 'Unavailable']);
    expect([rows[3]!.lifeToDateGiving, rows[3]!.lifeToDateGiving_text]).toEqual([null, '']);

    // Exact cents: the sum of the DECIMAL column is the sum of the texts' cents, to the cent.
    const cents = contacts.reduce((sum, contact) => {
      const text = decimalTextOfMoney(contact.yearToDateGiving);
      return text === null ? sum : sum + BigInt(text.replace('.', ''));
    }, 0n);
    const [total] = await queryDuckDB(`SELECT CAST(sum(yearToDateGiving) AS VARCHAR) AS total FROM read_parquet('${path}')`);
    expect(total!.total).toBe(`${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`);
  });

  it('reads money text in every shape it may take; anything else is NULL, its text kept', async () => {
    const cases: [unknown, string | null][] = [
      ['$1,200', '1200.00'],
      ['$1,200.50', '1200.50'],
      ['$0.07', '0.07'],
      ['-$5.00', '-5.00'],
      ['$-5.00', '-5.00'],
      ['($5.00)', '-5.00'],
      ['+$3', '3.00'],
      ['-$0.00', '0.00'],
      ['$.5', '0.50'],
      ['$1.500', '1.50'],
      [' $7 ', '7.00'],
      ['1200.5', '1200.50'],
      ['$1,234,567,890,123.45', '1234567890123.45'],
      ['$12,345,678,901,234.56', '12345678901234.56'],
      ['-$9,999,999,999,999,999.99', '-9999999999999999.99'],
      [1200.5, '1200.50'],
      [-3, '-3.00'],
      ['$10,000,000,000,000,000.00', null],
      ['$1.005', null],
      ['', null],
      ['Unavailable', null],
      ['€5', null],
      ['1.200,50', null],
      ['$1,2000', null],
      ['$,100', null],
      ['$1,00', null],
      ['1e3', null],
      ['$', null],
      ['-', null],
      ['--5', null],
      ['(-$5)', null],
      ['$5.', null],
      ['$ 5', null],
      [0.1 + 0.2, null],
      [true, null],
      [null, null],
    ];
    const schema: RecordSchema = {
      name: 'money',
      fields: [
        { name: 'id', type: { kind: 'int64' } },
        { name: 'amount', type: { kind: 'decimal', precision: 18, scale: 2 } },
        { name: 'amount_text', sourceKey: 'amount', type: { kind: 'utf8' } },
      ],
    };
    const path = parquetFile(
      encodeParquet(
        cases.map(([amount], id) => ({ id, amount })),
        schema,
      ),
    );
    const rows = await queryDuckDB(`SELECT id, CAST(amount AS VARCHAR) AS amount, amount_text FROM read_parquet('${path}') ORDER BY id`);
    expect(rows.map((row) => [cases[row.id as number]![0], row.amount])).toEqual(cases);
    expect(rows.map((row) => row.amount_text)).toEqual(cases.map(([amount]) => (amount === null ? null : String(amount))));

    expect(parseDecimalUnscaled('$12,345,678,901,234.56', 18, 2)).toBe(1234567890123456n);
    expect(parseDecimalUnscaled('($1,200.5)', 18, 2)).toBe(-120050);
    expect(parseDecimalUnscaled('$1,200', 9, 0)).toBe(1200);
    expect(parseDecimalUnscaled('$1,200.10', 9, 0)).toBeNull();
    expect(columnTypeName({ kind: 'decimal', precision: 18, scale: 2 })).toBe('DECIMAL(18,2)');
  });
});

describe('dates that may be "Unavailable"', () => {
  it('lastGiftDate is the DATE written (ISO or en-US M/D/YYYY), NULL where Virtuous says "Unavailable", the text kept', async () => {
    const contacts = realisticFullContacts(2000, 23);
    const edges = [
      '2024-03-05T00:00:00',
      '2024-02-29T00:00:00',
      '2024-03-05',
      '2024-03-05T23:59:59.9999999',
      '1969-12-31T00:00:00',
      '2023-02-29T00:00:00',
      '3/5/2024',
      '12/8/2023',
      '9/04/1998',
      '2/30/2024',
      '13/1/2024',
      '3/5/24',
      'Unavailable',
      '',
    ];
    edges.forEach((text, index) => (contacts[index]!.lastGiftDate = text));
    const path = parquetFile(encodeParquet(asRows(contacts), virtuousFullContactSchema));
    const types = Object.fromEntries((await describeDuckDB(`SELECT * FROM read_parquet('${path}')`)).map((c) => [c.column_name, c.column_type]));
    expect([types.lastGiftDate, types.lastGiftDate_text]).toEqual(['DATE', 'VARCHAR']);

    const rows = await queryDuckDB(
      `SELECT id, CAST(lastGiftDate AS VARCHAR) AS day, lastGiftDate_text AS text FROM read_parquet('${path}') ORDER BY id`,
    );
    expect(rows.slice(0, edges.length).map((row) => [row.text, row.day])).toEqual([
      ['2024-03-05T00:00:00', '2024-03-05'],
      ['2024-02-29T00:00:00', '2024-02-29'],
      ['2024-03-05', '2024-03-05'],
      ['2024-03-05T23:59:59.9999999', '2024-03-05'],
      ['1969-12-31T00:00:00', '1969-12-31'],
      ['2023-02-29T00:00:00', null],
      ['3/5/2024', '2024-03-05'],
      ['12/8/2023', '2023-12-08'],
      ['9/04/1998', '1998-09-04'],
      ['2/30/2024', null],
      ['13/1/2024', null],
      ['3/5/24', null],
      ['Unavailable', null],
      ['', null],
    ]);
    let unavailable = 0;
    rows.forEach((row, index) => {
      const text = contacts[index]!.lastGiftDate;
      expect(row.text).toBe(text);
      if (index < edges.length) return;
      if (text === 'Unavailable') unavailable++;
      expect(row.day).toBe(text === 'Unavailable' ? null : text.slice(0, 10));
    });
    expect(unavailable).toBeGreaterThan(300);
  });
});

describe('timestamps at the source precision, in UTC', () => {
  it('Close date_created/date_updated keep their microseconds; Virtuous keeps six of its seven digits', async () => {
    const random = new SeededRandom(5);
    const contacts = realisticCloseContacts(1000, [], 5).map((contact): RecordRow => ({
      ...contact,
      date_created: `${(contact.date_created as string).slice(0, 23)}${String(random.integer(0, 999)).padStart(3, '0')}+00:00`,
    }));
    contacts[0]!.date_created = '1969-12-31T23:59:59.999999+00:00';
    contacts[1]!.date_created = '2013-02-20T05:44:35.000001-08:00';
    const closePath = parquetFile(encodeParquet(contacts, closeContactSchemaWith([])));
    const types = Object.fromEntries((await describeDuckDB(`SELECT * FROM read_parquet('${closePath}')`)).map((c) => [c.column_name, c.column_type]));
    expect([types.date_created, types.date_updated]).toEqual(['TIMESTAMP WITH TIME ZONE', 'TIMESTAMP WITH TIME ZONE']);
    const closeRows = await queryDuckDB(
      `SELECT epoch_us(date_created) AS created, epoch_us(date_updated) AS updated FROM read_parquet('${closePath}')`,
    );
    expect(closeRows).toEqual(
      contacts.map((contact) => ({
        created: parseIsoMicros(contact.date_created as string),
        updated: parseIsoMicros(contact.date_updated as string),
      })),
    );
    expect(closeRows[0]!.created).toBe(-1);
    expect(closeRows.filter((row) => (row.created as number) % 1000 !== 0).length).toBeGreaterThan(900);

    const virtuous = realisticFullContacts(500, 8);
    virtuous[0]!.createDateTimeUtc = '2023-11-30T14:20:56.3533339';
    virtuous[1]!.createDateTimeUtc = '2023-11-30T14:20:56.0000009';
    const virtuousPath = parquetFile(encodeParquet(asRows(virtuous), virtuousFullContactSchema));
    const virtuousRows = await queryDuckDB(
      `SELECT epoch_us(createDateTimeUtc) AS created, epoch_us(modifiedDateTimeUtc) AS modified FROM read_parquet('${virtuousPath}') ORDER BY id`,
    );
    // parseIsoMicros truncates beyond six digits, independently of the encoder's fast parser.
    expect(virtuousRows).toEqual(
      virtuous.map((contact) => ({ created: parseIsoMicros(contact.createDateTimeUtc), modified: parseIsoMicros(contact.modifiedDateTimeUtc) })),
    );
    expect(virtuousRows[0]!.created).toBe(Date.UTC(2023, 10, 30, 14, 20, 56, 353) * 1000 + 333);
    expect(virtuousRows[1]!.created).toBe(Date.UTC(2023, 10, 30, 14, 20, 56) * 1000);
  });

  it('the fast microsecond parser agrees with the exact one on every form', () => {
    const texts = [
      '2013-02-20T05:44:35.625000+00:00',
      '2013-02-20T05:44:35.625123-08:00',
      '2023-11-30T14:20:56.3533333',
      '2023-11-30T14:20:56.35',
      '2023-11-30T14:20:56.123456789Z',
      '2023-11-30T14:20:56,5Z',
      '2023-11-30 14:20:56',
      '2023-11-30t14:20:56z',
      '2013-02-20T05:44+0130',
      '2013-02-20T05:44:35+05',
      '1969-12-31T23:59:59.9999999',
      '1900-01-01T00:00:00.000001Z',
      ' 2013-02-20T05:44:35Z ',
      '2013-02-20',
      '2013-02-30T00:00:00',
      '2013-02-20T24:00:00',
      '2013-02-20T05:44:35.1234567890',
      'Unavailable',
      '',
    ];
    for (const text of texts) expect(isoDateTimeMicros(text), text).toBe(parseIsoDateTimeMicros(text));
    // Beyond 2^53 µs (after 2255) the exact parser gives up; the column still holds the instant.
    expect(isoDateTimeMicros('9999-12-31T23:59:59.999999Z')).toBe(253402300799999999n);
  });
});

describe('lineage columns', () => {
  it('every row carries its export id and the time its page was received, typed, after the schema columns', async () => {
    const contacts = asRows(realisticAbbreviatedContacts(25, 4));
    const pages: PageContext[] = [
      { exportId: 'exp-20261122t214501-3f9a1c', extractedAt: Date.UTC(2026, 10, 22, 21, 45, 2) * 1000 + 1 },
      { exportId: 'exp-20261122t214501-3f9a1c', extractedAt: Date.UTC(2026, 10, 22, 21, 45, 3, 500) * 1000 + 999 },
    ];
    // Record batches of 7 rows cut across pages of 10 and 15: the lineage stays with its rows.
    const builder = new ArrowTableBuilder(virtuousAbbreviatedContactSchema, { batchRows: 7 });
    builder.add(contacts.slice(0, 10), pages[0]!);
    builder.add(contacts.slice(10), pages[1]!);
    const table = builder.finish();
    expect(table.batches.map((batch) => batch.numRows)).toEqual([7, 7, 7, 4]);
    expect([...table.getChild('_export_id')!]).toEqual(contacts.map(() => pages[0]!.exportId));
    // Arrow's JS reader gives timestamps as (fractional) milliseconds.
    expect([...table.getChild('_extracted_at')!].map((millis) => Math.round(Number(millis) * 1000))).toEqual(
      contacts.map((_, index) => pages[index < 10 ? 0 : 1]!.extractedAt),
    );

    const encoder = new ParquetPartEncoder(virtuousAbbreviatedContactSchema);
    const part = encoder.startPart();
    part.add(contacts.slice(0, 10), undefined, pages[0]!);
    part.add(contacts.slice(10), undefined, pages[1]!);
    const path = parquetFile(await part.finish());
    const columns = await describeDuckDB(`SELECT * FROM read_parquet('${path}')`);
    expect(columns.slice(-3)).toEqual([
      { column_name: '_export_id', column_type: 'VARCHAR' },
      { column_name: '_extracted_at', column_type: 'TIMESTAMP WITH TIME ZONE' },
      { column_name: '_extra', column_type: 'VARCHAR' },
    ]);
    expect(columns.map((column) => column.column_name)).toEqual(parquetColumnsOf(virtuousAbbreviatedContactSchema).fields.map((field) => field.name));
    const rows = await queryDuckDB(`SELECT id, _export_id, epoch_us(_extracted_at) AS at FROM read_parquet('${path}') ORDER BY id`);
    expect(rows).toEqual(
      contacts.map((contact, index) => ({ id: contact.id, _export_id: pages[0]!.exportId, at: pages[index < 10 ? 0 : 1]!.extractedAt })),
    );

    expect(() => builder.add(contacts, { exportId: 'x', extractedAt: 1.5 })).toThrow(RangeError);
  });

  it('leaves the record schema and NDJSON alone: lines are the API records, with no lineage and no unknown fields', async () => {
    expect(virtuousFullContactSchema.fields.map((field) => field.name)).not.toContain('_export_id');
    const part = new NdjsonEncoder(false).startPart();
    const rows = [{ id: 1, surprise: true }];
    part.add(rows, undefined, TEST_PAGE);
    expect(part.unknownFields).toEqual([]);
    expect(Buffer.from(await part.finish()).toString('utf8')).toBe('{"id":1,"surprise":true}\n');
  });
});

describe('_extra: the fields the schema does not name', () => {
  it('holds exactly the unknown keys of each row as one JSON object (NULL when none), and the part names them', async () => {
    const contacts = realisticAbbreviatedContacts(4, 9);
    const rows: RecordRow[] = [
      { ...contacts[0]!, surprise: { nested: [1, 'ü'] }, zeta: null },
      { ...contacts[1]! },
      // A key JSON may carry but an object literal cannot: "__proto__" stays an ordinary key.
      { ...contacts[2]!, ...(JSON.parse('{"__proto__": {"x": 1}, "alpha": 5}') as RecordRow) },
      { ...contacts[3]!, email: 'still a column' },
    ];
    const encoder = new ParquetPartEncoder(virtuousAbbreviatedContactSchema);
    const part = encoder.startPart();
    part.add(rows.slice(0, 2), undefined, TEST_PAGE);
    expect(part.unknownFields).toEqual(['surprise', 'zeta']);
    part.add(rows.slice(2), undefined, TEST_PAGE);
    expect(part.unknownFields).toEqual(['__proto__', 'alpha', 'surprise', 'zeta']);
    const path = parquetFile(await part.finish());
    expect(part.unknownFields).toEqual(['__proto__', 'alpha', 'surprise', 'zeta']);
    expect(encoder.startPart().unknownFields).toEqual([]);

    const read = await queryDuckDB(`SELECT id, email, _extra FROM read_parquet('${path}') ORDER BY id`);
    expect(read.map((row) => row._extra)).toEqual(['{"surprise":{"nested":[1,"ü"]},"zeta":null}', null, '{"__proto__":{"x":1},"alpha":5}', null]);
    expect(read[3]!.email).toBe('still a column');
    const [parsed] = await queryDuckDB(
      `SELECT json_extract_string(_extra, '$.surprise.nested[1]') AS value FROM read_parquet('${path}') WHERE id = ${contacts[0]!.id}`,
    );
    expect(parsed!.value).toBe('ü');
  });

  it('Close: __object_type is known, a nested custom object and custom keys the catalogue does not list are unknown', async () => {
    const catalogue = [{ id: 'cf_tier', name: 'Tier', type: 'choices', acceptsMultipleValues: false }];
    const schema = closeSchemaFor(['id', 'name', 'date_created'], ['custom.cf_tier'], catalogue);
    expect(schema.omittedKeys).toEqual(['__object_type']);
    const rows: RecordRow[] = [
      { __object_type: 'contact', id: 'cont_1', name: 'A', date_created: '2020-01-01T00:00:00.000001+00:00', 'custom.cf_tier': 'Gold' },
      { __object_type: 'contact', id: 'cont_2', name: 'B', 'custom.cf_tier': null, custom: { cf_other: 3 }, 'custom.cf_unlisted': 'x', title: 'CEO' },
    ];
    const part = new ParquetPartEncoder(schema).startPart();
    part.add(rows, undefined, TEST_PAGE);
    expect(part.unknownFields).toEqual(['custom', 'custom.cf_unlisted', 'title']);
    const path = parquetFile(await part.finish());
    expect(await queryDuckDB(`SELECT id, custom_cf_tier, _extra FROM read_parquet('${path}') ORDER BY id`)).toEqual([
      { id: 'cont_1', custom_cf_tier: 'Gold', _extra: null },
      { id: 'cont_2', custom_cf_tier: null, _extra: '{"custom":{"cf_other":3},"custom.cf_unlisted":"x","title":"CEO"}' },
    ]);
  });

  it('keeps every field of records shaped like the recorded real contact, at every depth: each read back equals its JSON', async () => {
    const generator = new ContactGenerator({ seed: 41, archivedFraction: 0 });
    const records = Array.from({ length: 300 }, (_, index) => toFullContact(generator.facts(index), 'recorded') as unknown as RecordRow);
    const part = new ParquetPartEncoder(virtuousFullContactSchema).startPart();
    part.add(records, undefined, TEST_PAGE);
    expect(part.unknownFields).toEqual(
      expect.arrayContaining([
        'formalContactName',
        'giftAskAmount',
        'address.startMonth',
        'address.createdByUser',
        'contactIndividuals[].birthDate',
        'contactIndividuals[].gender',
      ]),
    );
    expect(part.unknownFields.filter((path) => /^(id|name|address\.city|contactIndividuals\[\]\.firstName)$/.test(path))).toEqual([]);
    expect(part.refusedValues).toEqual([]);
    const path = parquetFile(await part.finish());

    const rows = await queryDuckDB(`SELECT *, CAST(lastGiftDate AS VARCHAR) AS day FROM read_parquet('${path}') ORDER BY id`);
    expect(rows).toHaveLength(records.length);
    rows.forEach((row, index) => {
      const original = records[index]!;
      expect(comparable(virtuousFullContactSchema, recordOfParquetRow(virtuousFullContactSchema, row))).toEqual(
        comparable(virtuousFullContactSchema, original),
      );
      // The recorded shape writes lastGiftDate as M/D/YYYY: the DATE column holds it.
      const [month, day, year] = String(original.lastGiftDate).split('/');
      expect(row.day).toBe(original.lastGiftDate === 'Unavailable' ? null : `${year}-${month!.padStart(2, '0')}-${day!.padStart(2, '0')}`);
    });
    const person = records.find((record) => (record.contactIndividuals as unknown[]).length > 0)!;
    const [birth] = await queryDuckDB(
      `SELECT json_extract_string(_extra, '$.contactIndividuals[0].birthDate') AS birthDate FROM read_parquet('${path}') WHERE id = ${Number(person.id)}`,
    );
    expect(birth!.birthDate).toBe((person.contactIndividuals as { birthDate: string }[])[0]!.birthDate);
  });

  it('keeps a value its column cannot hold in _extra, under its path, and the part names the path', async () => {
    const [contact] = realisticFullContacts(1, 3);
    const rows: RecordRow[] = [
      {
        ...contact!,
        isPrivate: 'sometimes',
        address: 'Mesa, AZ',
        contactIndividuals: [
          { id: 'not a number', firstName: 'Ada', contactMethods: 'none' },
          { id: 7, firstName: 'Bo' },
        ],
        tags: 'not a list',
        lifeToDateGiving: 'about $5',
      },
    ];
    const part = new ParquetPartEncoder(virtuousFullContactSchema).startPart();
    part.add(rows, undefined, TEST_PAGE);
    // lifeToDateGiving's text is kept by its `_text` twin: not refused.
    expect(part.refusedValues).toEqual(['address', 'contactIndividuals[].contactMethods', 'contactIndividuals[].id', 'isPrivate', 'tags']);
    expect(part.unknownFields).toEqual([]);
    const path = parquetFile(await part.finish());
    const [read] = await queryDuckDB(`SELECT isPrivate, address, tags, lifeToDateGiving_text, _extra FROM read_parquet('${path}')`);
    expect(read).toMatchObject({ isPrivate: null, address: null, tags: null, lifeToDateGiving_text: 'about $5' });
    expect(JSON.parse(read!._extra as string)).toEqual({
      isPrivate: 'sometimes',
      address: 'Mesa, AZ',
      contactIndividuals: [{ id: 'not a number', contactMethods: 'none' }, null],
      tags: 'not a list',
    });
  });

  it('names at most MAX_UNKNOWN_FIELDS keys per part, and still keeps every value', async () => {
    const row: RecordRow = { id: 1 };
    for (let key = 0; key < 150; key++) row[`k${String(key).padStart(3, '0')}`] = key;
    const part = new ParquetPartEncoder(virtuousAbbreviatedContactSchema).startPart();
    part.add([row], undefined, TEST_PAGE);
    expect(part.unknownFields).toHaveLength(MAX_UNKNOWN_FIELDS);
    const path = parquetFile(await part.finish());
    const [read] = await queryDuckDB(`SELECT _extra FROM read_parquet('${path}')`);
    expect(Object.keys(JSON.parse(read!._extra as string) as object)).toHaveLength(150);
  });
});
