import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { NdjsonEncoder } from '../../src/sinks/ndjson/ndjson-encoder.js';
import { jsonArrayItemSpans } from '../../src/sources/http/json-array-item-spans.js';

const page = { exportId: 'exp-20260101t000000-000000', extractedAt: 1_767_225_600_000_000 };

const rows = [
  { id: 1, name: 'Ada', amount: 10.5, tags: ['a'] },
  { id: 2, name: 'Line\nbreak "quoted"', nested: { deep: [1, { x: null }] } },
];

function rawRowsOf(answer: string): Uint8Array[] {
  return jsonArrayItemSpans(new TextEncoder().encode(answer), 'list')!;
}

describe('NdjsonEncoder', () => {
  it('writes each row as one line, re-serialised when no bytes come with it, gzipped on request', async () => {
    for (const gzip of [false, true]) {
      const part = new NdjsonEncoder(gzip).startPart();
      part.add(rows.slice(0, 1), undefined, page);
      part.add(rows.slice(1), undefined, page);
      expect(part.rows).toBe(2);
      const bytes = await part.finish();
      const text = (gzip ? gunzipSync(bytes) : Buffer.from(bytes)).toString('utf8');
      expect(text).toBe(rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    }
  });

  it("keeps the API's own bytes of each row (numbers as sent), and re-serialises only rows whose bytes span lines", async () => {
    const answer = '{"list":[{"id":1,"amount":10.50,"big":12345678901234567890},\n {\n  "id": 2\n }, {"id":3, "note":"ü"}],"total":3}';
    const parsed = JSON.parse(answer).list as Record<string, unknown>[];
    const part = new NdjsonEncoder(false).startPart();
    part.add(parsed, rawRowsOf(answer), page);
    const lines = Buffer.from(await part.finish())
      .toString('utf8')
      .split('\n');
    expect(lines).toEqual(['{"id":1,"amount":10.50,"big":12345678901234567890}', '{"id":2}', '{"id":3, "note":"ü"}', '']);
  });

  it('ignores row bytes that do not match the rows one for one', async () => {
    const part = new NdjsonEncoder(false).startPart();
    part.add(rows, rawRowsOf('{"list":[{"id":9}]}'), page);
    expect(Buffer.from(await part.finish()).toString('utf8')).toBe(rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
  });
});
