import { QueueEvents } from '../../src/queue/bullmq.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RANGE_QUEUE } from '../../src/queue/queue-names.js';
import type { RangeProgress } from '../../src/queue/range-job.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';
import { ExportFixture } from '../support/export-fixture.js';
import { S3FaultProxy } from '../support/s3-fault-proxy.js';

/** Part objects: `part-r00000-s000001-a1b2c3d4.parquet` (see src/sinks/part-key.ts). */
const PART_KEY = /\/part-r\d+-s\d+-a[0-9a-z]+\.(parquet|ndjson)$/;

/** A range's progress as reported, with the rows the API had served when the report reached the test. */
interface Sample {
  progress: RangeProgress;
  rowsServed: number;
}

describe('a range reads on while its parts upload: its progress and its limit count each row once', () => {
  let fixture: ExportFixture | undefined;
  let proxy: S3FaultProxy | undefined;
  let events: QueueEvents | undefined;

  afterEach(async () => {
    await events?.close();
    await fixture?.close();
    await proxy?.close();
    fixture = undefined;
    proxy = undefined;
    events = undefined;
  });

  it('progress sampled during a pipelined run never exceeds the rows read, nor the range, and ends at every row', async () => {
    // 20 pages of 200 rows, 200 ms each, into parts of 2,000 (2 s of reading each): a report follows each part,
    // and between parts one a second at most, so at least one falls after a part was committed and before the
    // next is full.
    fixture = await ExportFixture.create('range-progress', { contacts: 4_000, faults: { latencyMs: 200 } });
    const current = fixture;
    const connection = createRedisConnection(current.redisUrl, 'test-range-progress');
    events = new QueueEvents(RANGE_QUEUE, { connection, prefix: current.prefix });
    await events.waitUntilReady();
    const samples: Sample[] = [];
    events.on('progress', ({ data }) => {
      samples.push({ progress: data as RangeProgress, rowsServed: current.simulator.stats.rowsServed });
    });
    await current.startWorkers(1, 1);
    const dest = 's3://exports/range-progress';
    const { exportId, result } = await current.start(['--dest', dest, '--format', 'parquet', '--part-rows', '2000', '--page-size', '200']);
    expect(result.code, result.stderr).toBe(0);
    await current.waitForCommit(exportId);
    const manifest = (await current.manifest(await current.folder(dest, exportId)))!;
    expect(manifest.parts.map((part) => part.rangeIndex)).toEqual([0, 0]);
    // The last event may still be on its way when the commit is seen.
    await vi.waitFor(() => expect(samples.at(-1)?.progress.pct).toBe(100), { timeout: 10_000, interval: 20 });

    const during = samples.slice(0, -1);
    // Reports between parts, after a part was committed, are among them: the case that once counted a part twice.
    expect(
      during.filter((sample) => sample.progress.committedRows > 0 && sample.progress.rows > sample.progress.committedRows).length,
    ).toBeGreaterThan(0);
    for (const { progress, rowsServed } of samples) {
      expect(progress.rows, JSON.stringify(progress)).toBeLessThanOrEqual(rowsServed);
      expect(progress.rows, JSON.stringify(progress)).toBeLessThanOrEqual(4_000);
      expect(progress.committedRows).toBeLessThanOrEqual(progress.rows);
      expect(progress.committedRows).toBe(progress.parts * 2000);
    }
    // Rows read only grow.
    const rows = samples.map((sample) => sample.progress.rows);
    expect(rows).toEqual([...rows].sort((a, b) => a - b));
    expect(samples.at(-1)!.progress).toMatchObject({ rows: 4_000, committedRows: 4_000, parts: 2, pct: 100 });
    connection.disconnect();
  });

  it('a trial export (--limit) stops at its rows while a part upload is held: rows still uploading count', async () => {
    fixture = await ExportFixture.create('range-limit', { contacts: 6_000 }, { env: { S3_REQUEST_TIMEOUT_MS: '60000' } });
    const current = fixture;
    proxy = await S3FaultProxy.start(current.s3.endpoint);
    current.env.S3_ENDPOINT = proxy.endpoint;
    proxy.hold({ method: 'PUT', key: PART_KEY, nth: 1 });
    proxy.hold({ method: 'PUT', key: PART_KEY, nth: 2 });
    await current.startWorkers(1, 1);
    const dest = 's3://exports/range-limit';
    const { exportId, result } = await current.start([
      '--dest',
      dest,
      '--format',
      'ndjson',
      '--limit',
      '2500',
      '--part-rows',
      '1000',
      '--page-size',
      '500',
    ]);
    expect(result.code, result.stderr).toBe(0);

    // Part 1 uploads (held) while part 2 is read; part 2 then waits for part 1.
    const first = await proxy.nextHeld();
    await vi.waitFor(() => expect(current.simulator.stats.rowsServed).toBeGreaterThanOrEqual(2_000), { timeout: 30_000, interval: 20 });
    expect(await first.forward()).toBe(200);
    // Part 2 uploads (held) while the range reads its last rows: 500, not the 1,500 it would read if part 2's rows were not counted.
    const second = await proxy.nextHeld();
    await vi.waitFor(() => expect(current.simulator.stats.rowsServed).toBeGreaterThanOrEqual(2_500), { timeout: 30_000, interval: 20 });
    expect(await second.forward()).toBe(200);
    await current.waitForCommit(exportId);

    const manifest = (await current.manifest(await current.folder(dest, exportId)))!;
    expect(manifest.parts.map((part) => part.rows)).toEqual([1000, 1000, 500]);
    const ids = await current.idsInParts(manifest);
    expect(ids.map((row) => row.id)).toEqual(current.simulator.expectedIds({ includeArchived: true }).slice(0, 2_500));
    // Planning's count requests are served a row or two; reading did not go a page past the limit.
    expect(current.simulator.stats.rowsServed).toBeLessThan(2_500 + 500);
  });
});
