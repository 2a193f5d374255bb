import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { describeDuckDB, queryDuckDB } from '../support/duckdb.js';

const directory = mkdtempSync(join(tmpdir(), 'duckdb-support-test-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('queryDuckDB', () => {
  it('returns plain JSON-friendly values', async () => {
    const [row] = await queryDuckDB(`
      SELECT 42::BIGINT AS small, 9007199254740993::BIGINT AS big, 1.5::DOUBLE AS dbl, 2.25::DECIMAL(5,2) AS dec,
             true AS flag, 'ü' AS text, NULL AS nothing, DATE '2024-02-29' AS day,
             TIMESTAMPTZ '2023-11-30 14:20:56.353+00' AS tstz, TIMESTAMP '2023-11-30 14:20:56.123456' AS ts,
             epoch_ms(-1) AS before_epoch,
             [1, 2]::BIGINT[] AS ints, {'a': 1, 'b': ['x']} AS struct, [{'k': NULL}] AS structs`);
    expect(row).toEqual({
      small: 42,
      big: 9007199254740993n,
      dbl: 1.5,
      dec: 2.25,
      flag: true,
      text: 'ü',
      nothing: null,
      day: '2024-02-29',
      tstz: '2023-11-30T14:20:56.353Z',
      ts: '2023-11-30T14:20:56.123456Z',
      before_epoch: '1969-12-31T23:59:59.999Z',
      ints: [1, 2],
      struct: { a: 1, b: ['x'] },
      structs: [{ k: null }],
    });
  });

  it('reads newline-delimited JSON, plain and gzipped, with the built-in json reader (no download)', async () => {
    const ndjson = '{"id":1,"name":"a"}\n{"id":2,"name":null}\n';
    writeFileSync(join(directory, 'part-0.ndjson'), ndjson);
    writeFileSync(join(directory, 'part-1.ndjson.gz'), gzipSync('{"id":3,"name":"c"}\n'));
    expect(await queryDuckDB(`SELECT * FROM read_json('${directory}/*.ndjson', format='newline_delimited') ORDER BY id`)).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: null },
    ]);
    expect(await queryDuckDB(`SELECT * FROM read_json('${directory}/*.ndjson.gz', format='newline_delimited')`)).toEqual([{ id: 3, name: 'c' }]);
    expect(
      await queryDuckDB(`SELECT extension_name, install_mode FROM duckdb_extensions() WHERE extension_name IN ('json', 'parquet') ORDER BY 1`),
    ).toEqual([
      { extension_name: 'json', install_mode: 'STATICALLY_LINKED' },
      { extension_name: 'parquet', install_mode: 'STATICALLY_LINKED' },
    ]);
  });

  it('describes a query', async () => {
    expect(await describeDuckDB(`SELECT 1::BIGINT AS a, 'x' AS b`)).toEqual([
      { column_name: 'a', column_type: 'BIGINT' },
      { column_name: 'b', column_type: 'VARCHAR' },
    ]);
  });
});
