import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parquetEncodingThread } from '../../src/sinks/encoding/parquet-encoding-thread-client.js';
import { ParquetPartEncoder } from '../../src/sinks/parquet-part-encoder.js';
import { virtuousFullContactSchema } from '../../src/sources/virtuous/virtuous-full-contact-schema.js';
import { queryDuckDB } from '../support/duckdb.js';
import { realisticFullContacts } from './fixtures/realistic-contacts.js';

const page = { exportId: 'exp-20260101t000000-000000', extractedAt: 1_767_225_600_000_000 };

describe('ParquetPartEncoder', () => {
  afterAll(() => parquetEncodingThread.close());

  it('builds a part page by page and compresses it on its own thread: the event loop stays free, and DuckDB reads it', async () => {
    const rows = realisticFullContacts(40_000, 3) as unknown as Record<string, unknown>[];
    const encoder = new ParquetPartEncoder(virtuousFullContactSchema);
    await encoder.encode(rows.slice(0, 100), page); // start the thread and its WebAssembly module outside the measurement

    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    const part = encoder.startPart();
    for (let start = 0; start < rows.length; start += 1000) {
      part.add(rows.slice(start, start + 1000), undefined, page);
      await new Promise((resolve) => setImmediate(resolve)); // the next page arrives from the network
    }
    expect(part.rows).toBe(40_000);
    const bytes = await part.finish();
    const encodeMs = performance.now() - started;
    delay.disable();
    const worstStallMs = delay.max / 1e6;
    console.log(`40,000 full contacts: ${encodeMs.toFixed(0)} ms to encode, worst event-loop stall ${worstStallMs.toFixed(0)} ms`);
    // Lock renewal runs every 4 s; compressing on the event loop would stall it for the whole write.
    expect(worstStallMs).toBeLessThan(Math.max(400, encodeMs / 2));

    const directory = await mkdtemp(join(tmpdir(), 'part-encoder-'));
    try {
      const file = join(directory, 'part.parquet');
      await writeFile(file, bytes);
      const [summary] = await queryDuckDB(`SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM read_parquet('${file}')`);
      expect(summary).toEqual({ n: 40_000, lo: rows[0]!.id, hi: rows.at(-1)!.id });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
