import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parquetEncodingThread } from '../../src/sinks/encoding/parquet-encoding-thread-client.js';
import { ParquetPartEncoder } from '../../src/sinks/parquet-part-encoder.js';
import type { RecordRow } from '../../src/sinks/record-schema.js';
import { virtuousAbbreviatedGiftSchema, virtuousFullGiftSchema } from '../../src/sources/virtuous/virtuous-gift-schema.js';
import { describeDuckDB, queryDuckDB } from '../support/duckdb.js';
import { TEST_PAGE } from '../support/parquet-encoding.js';
import { comparable, recordOfParquetRow } from '../support/parquet-record.js';

const directory = mkdtempSync(join(tmpdir(), 'gift-columns-test-'));
afterAll(async () => {
  rmSync(directory, { recursive: true, force: true });
  await parquetEncodingThread.close();
});

/**
 * A full gift shaped as the evidence shows (docs/sources/virtuous.md, "Evidence: beyond contacts" and "answers"):
 * the abbreviated fields, FullGift's timestamps with a `Z` and 7 digits, transaction fields and designations,
 * and what the recorded real gift adds (formatted amount and date, currency codes, nested premiums and payments).
 */
function fullGift(id: number, overrides: RecordRow = {}): RecordRow {
  return {
    id,
    contactId: 1000 + id,
    contactIndividualId: id % 3 === 0 ? null : 4000 + id,
    giftType: id % 2 === 0 ? 'Cash' : 'Check',
    giftDate: `2023-12-${String(1 + (id % 28)).padStart(2, '0')}T00:00:00`,
    amount: id % 5 === 0 ? 1200 : 10.5 + id,
    segment: id % 4 === 0 ? null : `SEG-${id % 7}`,
    batch: `B-${Math.floor(id / 10)}`,
    giftUrl: `/api/Gift/${id}`,
    culture: 'en-US',
    exchangeRate: 1,
    createDateTimeUtc: '2023-12-08T16:56:52.6126031Z',
    modifiedDateTimeUtc: `2024-01-0${1 + (id % 9)}T08:00:00.1234567Z`,
    transactionSource: id % 2 === 0 ? 'Online' : null,
    transactionId: id % 2 === 0 ? `tx_${id}` : null,
    giftDesignations: [{ project: 'General Fund', amountDesignated: 10.5 + id }],
    amountFormatted: `$${(10.5 + id).toFixed(2)}`,
    currencyCode: 'USD',
    baseCurrencyCode: 'USD',
    giftDateFormatted: `12/${1 + (id % 28)}/2023`,
    isTaxDeductible: true,
    giftPremiums: [],
    pledgePayments: id % 6 === 0 ? [{ amount: 5, paymentDate: '1/15/2024' }] : [],
    ...overrides,
  };
}

function parquetFile(name: string, bytes: Uint8Array): string {
  const path = join(directory, name);
  writeFileSync(path, bytes);
  return path;
}

describe('Virtuous gifts in Parquet', () => {
  it('types amount as DECIMAL(18,2) and giftDate as DATE beside their text, and keeps every field of a full gift', async () => {
    const gifts = Array.from({ length: 120 }, (_, index) => fullGift(index + 1));
    // A converted amount with more than two decimals, and a date written M/D/YYYY: the text keeps what the type cannot.
    gifts[0] = fullGift(1, { amount: 10.555, giftDate: '12/8/2023' });
    const part = new ParquetPartEncoder(virtuousFullGiftSchema).startPart();
    part.add(gifts, undefined, TEST_PAGE);
    expect(part.unknownFields).toEqual(expect.arrayContaining(['amountFormatted', 'giftDateFormatted', 'pledgePayments']));
    expect(part.refusedValues).toEqual([]);
    const path = parquetFile('full-gifts.parquet', await part.finish());

    const types = Object.fromEntries((await describeDuckDB(`SELECT * FROM read_parquet('${path}')`)).map((c) => [c.column_name, c.column_type]));
    expect(types).toMatchObject({
      id: 'BIGINT',
      amount: 'DECIMAL(18,2)',
      amount_text: 'VARCHAR',
      giftDate: 'DATE',
      giftDate_text: 'VARCHAR',
      modifiedDateTimeUtc: 'TIMESTAMP WITH TIME ZONE',
      giftDesignations: 'VARCHAR',
    });
    const rows = await queryDuckDB(
      `SELECT *, CAST(amount AS VARCHAR) AS amount_decimal, CAST(giftDate AS VARCHAR) AS day FROM read_parquet('${path}') ORDER BY id`,
    );
    expect(rows[0]).toMatchObject({ amount_decimal: null, amount_text: '10.555', day: '2023-12-08', giftDate_text: '12/8/2023' });
    expect(rows[4]).toMatchObject({ amount_decimal: '1200.00', amount_text: '1200', day: '2023-12-06' });
    rows.forEach((row, index) => {
      const original = gifts[index]!;
      if (index > 0) expect(row.amount_decimal).toBe(Number(original.amount).toFixed(2));
      // The API's numbers come back as they were sent: amount_text is their JSON text, which the restored record parses.
      const restored = recordOfParquetRow(virtuousFullGiftSchema, row);
      restored.amount = Number(restored.amount);
      expect(comparable(virtuousFullGiftSchema, restored)).toEqual(comparable(virtuousFullGiftSchema, original));
    });
  });

  it('abbreviated gifts have no timestamps or designations: a full gift read as abbreviated keeps them in _extra', async () => {
    const part = new ParquetPartEncoder(virtuousAbbreviatedGiftSchema).startPart();
    part.add([fullGift(7)], undefined, TEST_PAGE);
    expect(part.unknownFields).toEqual(expect.arrayContaining(['createDateTimeUtc', 'giftDesignations', 'modifiedDateTimeUtc']));
    const path = parquetFile('gifts.parquet', await part.finish());
    const [row] = await queryDuckDB(
      `SELECT id, json_extract_string(_extra, '$.giftDesignations[0].project') AS project FROM read_parquet('${path}')`,
    );
    expect(row).toEqual({ id: 7, project: 'General Fund' });
  });
});
