import { Vector, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { rowsToArrowTable } from '../support/parquet-encoding.js';
import { arrowSchemaFor } from '../../src/sinks/parquet/arrow-schema.js';
import type { FieldType, RecordSchema } from '../../src/sinks/record-schema.js';

/** Arrow values as plain JS: Vectors become arrays, struct rows objects; int64 stays bigint. */
function plain(value: unknown): unknown {
  if (value instanceof Vector) return [...value].map(plain);
  const structRow = value as { toJSON?: () => object } | null;
  if (typeof structRow === 'object' && structRow !== null && typeof structRow.toJSON === 'function') {
    return Object.fromEntries(Object.entries(structRow.toJSON()).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function column(table: Table, name: string): unknown[] {
  return [...table.getChild(name)!].map(plain);
}

function oneColumn(type: FieldType, values: unknown[], options: { batchRows?: number } = {}): { table: Table; values: unknown[] } {
  const schema: RecordSchema = { name: 'test', fields: [{ name: 'value', type }] };
  const table = rowsToArrowTable(
    values.map((value) => (value === undefined ? {} : { value })),
    schema,
    options,
  );
  // Serialising and reading back checks that the hand-made buffers are well-formed Arrow.
  const reread = tableFromIPC(tableToIPC(table, 'stream'));
  expect(column(reread, 'value')).toEqual(column(table, 'value'));
  return { table, values: column(table, 'value') };
}

describe('arrowSchemaFor', () => {
  it('maps every field type to its Arrow type, all nullable', () => {
    const schema = arrowSchemaFor({
      name: 'all',
      fields: [
        { name: 'i', type: { kind: 'int64' } },
        { name: 'f', type: { kind: 'float64' } },
        { name: 's', type: { kind: 'utf8' } },
        { name: 'b', type: { kind: 'bool' } },
        { name: 't', type: { kind: 'timestamp' } },
        { name: 'j', type: { kind: 'json' } },
        { name: 'st', type: { kind: 'struct', fields: [{ name: 'x', type: { kind: 'int64' } }] } },
        { name: 'l', type: { kind: 'list', item: { kind: 'utf8' } } },
        { name: 'us', type: { kind: 'timestamp', unit: 'microsecond' } },
        { name: 'd', type: { kind: 'date' } },
        { name: 'dt', type: { kind: 'date', fromDateTime: true } },
        { name: 'm', type: { kind: 'decimal', precision: 18, scale: 2 } },
      ],
    });
    expect(schema.fields.map((field) => `${field.name}: ${field.type}`)).toEqual([
      'i: Int64',
      'f: Float64',
      's: Utf8',
      'b: Bool',
      't: Timestamp<MILLISECOND, UTC>',
      'j: Utf8',
      'st: Struct<{x:Int64}>',
      'l: List<Utf8>',
      'us: Timestamp<MICROSECOND, UTC>',
      'd: Date32<DAY>',
      'dt: Date32<DAY>',
      'm: Decimal[18e+2]',
    ]);
    expect(schema.fields.every((field) => field.nullable)).toBe(true);
  });

  it('rejects a decimal it cannot fill (more than 18 digits, a scale beyond the precision)', () => {
    const decimal = (precision: number, scale: number): RecordSchema => ({
      name: 'd',
      fields: [{ name: 'm', type: { kind: 'decimal', precision, scale } }],
    });
    expect(() => arrowSchemaFor(decimal(19, 2))).toThrow(/precision must be 1 to 18/);
    expect(() => arrowSchemaFor(decimal(4, 5))).toThrow(/scale must be 0 to the precision/);
    expect(String(arrowSchemaFor(decimal(9, 0)).fields[0]!.type)).toBe('Decimal[9e0]');
  });

  it('rejects duplicate column names', () => {
    const duplicate: RecordSchema = {
      name: 'dup',
      fields: [
        { name: 'a', type: { kind: 'utf8' } },
        { name: 'a', sourceKey: 'b', type: { kind: 'utf8' } },
      ],
    };
    expect(() => arrowSchemaFor(duplicate)).toThrow(/duplicate column name "a"/);
  });
});

describe('rowsToArrowTable', () => {
  it('int64: numbers, decimal strings and bigints; anything else is null', () => {
    const { table, values } = oneColumn({ kind: 'int64' }, [
      1,
      -42,
      0,
      '17',
      '-9007199254740993',
      '9223372036854775807',
      '-9223372036854775808',
      2 ** 53,
      123n,
      Number.MAX_SAFE_INTEGER,
      Number.MIN_SAFE_INTEGER,
      undefined,
      null,
      '9223372036854775808',
      '',
      '-',
      ' 42',
      '4.2',
      '1e3',
      '0x10',
      1.5,
      Number.NaN,
      true,
      {},
    ]);
    expect(values).toEqual([
      1n,
      -42n,
      0n,
      17n,
      -9007199254740993n,
      9223372036854775807n,
      -9223372036854775808n,
      9007199254740992n,
      123n,
      9007199254740991n,
      -9007199254740991n,
      ...Array<null>(13).fill(null),
    ]);
    expect(table.getChild('value')!.nullCount).toBe(13);
  });

  it('float64: numbers and numeric strings', () => {
    const { values } = oneColumn({ kind: 'float64' }, [1.5, -0.25, '3.75', '1e3', Infinity, undefined, null, '', 'abc', true]);
    expect(values).toEqual([1.5, -0.25, 3.75, 1000, Infinity, null, null, null, null, null]);
  });

  it('bool: booleans and "true"/"false"', () => {
    const { table, values } = oneColumn({ kind: 'bool' }, [true, false, 'true', 'false', undefined, null, 1, 0, 'yes']);
    expect(values).toEqual([true, false, true, false, null, null, null, null, null]);
    expect(table.getChild('value')!.nullCount).toBe(5);
  });

  it('utf8: unicode is encoded exactly, other scalars become their String(), objects their JSON', () => {
    const long = `${'Ω'.repeat(40)} naïve café 東京 😀 ${'x'.repeat(100)}`;
    const input = [
      'plain',
      '',
      'Ünïcødé ✓',
      '日本語のテキスト',
      'emoji 😀👍🏽 family 👨‍👩‍👧',
      'e\u0301 combining',
      'lone \ud800 surrogate',
      long,
      42,
      -1.5,
      true,
      12n,
      { a: 1 },
      ['x', 2],
      undefined,
      null,
    ];
    const { values } = oneColumn({ kind: 'utf8' }, input);
    expect(values).toEqual([
      'plain',
      '',
      'Ünïcødé ✓',
      '日本語のテキスト',
      'emoji 😀👍🏽 family 👨‍👩‍👧',
      'e\u0301 combining',
      'lone \ufffd surrogate',
      long,
      '42',
      '-1.5',
      'true',
      '12',
      '{"a":1}',
      '["x",2]',
      null,
      null,
    ]);
  });

  it('utf8: grows past its initial buffer (long strings, many rows)', () => {
    const strings = Array.from({ length: 3000 }, (_, index) => `${index}:${'é'.repeat(index % 97)}${'z'.repeat(index % 300)}`);
    const { values } = oneColumn({ kind: 'utf8' }, strings, { batchRows: 1000 });
    expect(values).toEqual(strings);
    const huge = 'q'.repeat(1_000_000);
    expect(oneColumn({ kind: 'utf8' }, ['a', huge, 'b']).values).toEqual(['a', huge, 'b']);
  });

  it('timestamp: ISO strings in every source format as exact UTC milliseconds; unparseable values are null', () => {
    const { table, values } = oneColumn({ kind: 'timestamp' }, [
      '2023-11-30T14:20:56.3533333',
      '2023-11-30T14:20:56',
      '2023-11-30T14:20:56.3',
      '2013-02-20T05:44:35.625000+00:00',
      '2013-02-20T05:44:35.625000-08:00',
      '2023-11-30T14:20:56Z',
      new Date(Date.UTC(2020, 5, 1, 2, 3, 4, 5)),
      'Unavailable',
      '',
      undefined,
      null,
      1_700_000_000_000,
      new Date(Number.NaN),
    ]);
    expect(values).toEqual([
      Date.UTC(2023, 10, 30, 14, 20, 56, 353),
      Date.UTC(2023, 10, 30, 14, 20, 56, 0),
      Date.UTC(2023, 10, 30, 14, 20, 56, 300),
      Date.UTC(2013, 1, 20, 5, 44, 35, 625),
      Date.UTC(2013, 1, 20, 13, 44, 35, 625),
      Date.UTC(2023, 10, 30, 14, 20, 56, 0),
      Date.UTC(2020, 5, 1, 2, 3, 4, 5),
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    expect(values).not.toContain(0);
    expect(String(table.schema.fields[0]!.type)).toBe('Timestamp<MILLISECOND, UTC>');
  });

  it('json: any value as its JSON text; undefined and null are null', () => {
    const { values } = oneColumn({ kind: 'json' }, [
      [{ collectionName: 'Pledges', fields: [{ name: 'Amount', value: '$10' }] }],
      [],
      { a: 'ü', b: [1, null] },
      'text',
      12.5,
      false,
      undefined,
      null,
    ]);
    expect(values).toEqual([
      '[{"collectionName":"Pledges","fields":[{"name":"Amount","value":"$10"}]}]',
      '[]',
      '{"a":"ü","b":[1,null]}',
      '"text"',
      '12.5',
      'false',
      null,
      null,
    ]);
  });

  it('struct: present for objects (missing keys are null), null otherwise', () => {
    const type: FieldType = {
      kind: 'struct',
      fields: [
        { name: 'city', type: { kind: 'utf8' } },
        { name: 'zip', sourceKey: 'postal', type: { kind: 'int64' } },
        { name: 'primary', type: { kind: 'bool' } },
      ],
    };
    const { table, values } = oneColumn(type, [
      { city: 'Mesa', postal: '85201', primary: true },
      { city: 'Boise' },
      {},
      undefined,
      null,
      'not a struct',
      ['not', 'a', 'struct'],
    ]);
    expect(values).toEqual([
      { city: 'Mesa', zip: 85201n, primary: true },
      { city: 'Boise', zip: null, primary: null },
      { city: null, zip: null, primary: null },
      null,
      null,
      null,
      null,
    ]);
    expect(table.getChild('value')!.nullCount).toBe(4);
  });

  it('list: present for arrays (empty included), null otherwise', () => {
    const { table, values } = oneColumn({ kind: 'list', item: { kind: 'utf8' } }, [
      ['a', 'b'],
      [],
      ['ü', null, 'c'],
      undefined,
      null,
      'a',
      { 0: 'a' },
    ]);
    expect(values).toEqual([['a', 'b'], [], ['ü', null, 'c'], null, null, null, null]);
    expect(table.getChild('value')!.nullCount).toBe(4);
  });

  it('list<struct<list<struct>>>: nested lists and structs with nulls, empty lists and missing keys', () => {
    const method: FieldType = {
      kind: 'struct',
      fields: [
        { name: 'type', type: { kind: 'utf8' } },
        { name: 'isPrimary', type: { kind: 'bool' } },
      ],
    };
    const individual: FieldType = {
      kind: 'struct',
      fields: [
        { name: 'id', type: { kind: 'int64' } },
        { name: 'contactMethods', type: { kind: 'list', item: method } },
      ],
    };
    const { values } = oneColumn({ kind: 'list', item: individual }, [
      [
        { id: 1, contactMethods: [{ type: 'Email', isPrimary: true }, { type: 'Phone' }] },
        { id: 2, contactMethods: [] },
        { id: 3 },
        null,
        { id: 4, contactMethods: [null, { isPrimary: false }] },
      ],
      [],
      null,
      [{ contactMethods: [{ type: '電話', isPrimary: false }] }],
    ]);
    expect(values).toEqual([
      [
        {
          id: 1n,
          contactMethods: [
            { type: 'Email', isPrimary: true },
            { type: 'Phone', isPrimary: null },
          ],
        },
        { id: 2n, contactMethods: [] },
        { id: 3n, contactMethods: null },
        null,
        { id: 4n, contactMethods: [null, { type: null, isPrimary: false }] },
      ],
      [],
      null,
      [{ id: null, contactMethods: [{ type: '電話', isPrimary: false }] }],
    ]);
  });

  it('list: grows past its initial capacity', () => {
    const many = Array.from({ length: 20_000 }, (_, index) => index);
    const { values } = oneColumn({ kind: 'list', item: { kind: 'int64' } }, [[1], many, [], many.slice(0, 3)]);
    expect(values).toEqual([[1n], many.map(BigInt), [], [0n, 1n, 2n]]);
  });

  it('reads sourceKey, keeps column order, and splits rows into record batches', () => {
    const schema: RecordSchema = {
      name: 'close.contact',
      fields: [
        { name: 'id', type: { kind: 'utf8' } },
        { name: 'custom_cf_abc', sourceKey: 'custom.cf_abc', type: { kind: 'json' } },
        { name: 'n', type: { kind: 'int64' } },
      ],
    };
    const rows = Array.from({ length: 25 }, (_, index) => ({
      n: index,
      id: `cont_${index}`,
      ...(index % 3 === 0 ? {} : { 'custom.cf_abc': index % 2 === 0 ? ['A'] : index }),
    }));
    const table = rowsToArrowTable(rows, schema, { batchRows: 7 });
    expect(table.batches.map((batch) => batch.numRows)).toEqual([7, 7, 7, 4]);
    expect(table.schema.fields.map((field) => field.name)).toEqual(['id', 'custom_cf_abc', 'n', '_export_id', '_extracted_at', '_extra']);
    expect(column(table, 'n')).toEqual(rows.map((row) => BigInt(row.n)));
    expect(column(table, 'id')).toEqual(rows.map((row) => row.id));
    expect(column(table, 'custom_cf_abc')).toEqual(
      rows.map((row) => (row['custom.cf_abc'] === undefined ? null : JSON.stringify(row['custom.cf_abc']))),
    );
  });

  it('builds an empty table (one empty batch) from no rows', () => {
    const table = rowsToArrowTable([], { name: 'empty', fields: [{ name: 'a', type: { kind: 'int64' } }] });
    expect(table.numRows).toBe(0);
    expect(table.batches).toHaveLength(1);
    expect(tableFromIPC(tableToIPC(table, 'stream')).numRows).toBe(0);
  });

  it('rejects a batch size that is not a positive integer', () => {
    const schema: RecordSchema = { name: 'x', fields: [] };
    expect(() => rowsToArrowTable([{}], schema, { batchRows: 0 })).toThrow(RangeError);
    expect(() => rowsToArrowTable([{}], schema, { batchRows: 1.5 })).toThrow(RangeError);
  });
});
