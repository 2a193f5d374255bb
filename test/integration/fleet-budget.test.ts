import { afterAll, describe, expect, it } from 'vitest';
import { startRecordingProxy, type ProxiedRequest, type RecordingProxy } from '../ratelimit/support/recording-proxy.js';
import { ExportFixture } from '../support/export-fixture.js';
import { waitForCommittedParts } from '../support/progress-events.js';

const LIMIT = 20;
const WINDOW_MS = 5000;

/** Requests the server accepted per fixed window, windows opening as the simulator opens them. */
function acceptedPerWindow(records: ProxiedRequest[]): number[] {
  const sorted = [...records].sort((a, b) => a.arrivedAt - b.arrivedAt);
  const windows: number[] = [];
  let windowEnd = -Infinity;
  for (const record of sorted) {
    if (record.arrivedAt >= windowEnd) {
      windows.push(0);
      windowEnd = record.arrivedAt + WINDOW_MS;
    }
    if (record.status !== 429) windows[windows.length - 1]! += 1;
  }
  return windows;
}

describe('one budget for the whole fleet', () => {
  let fixture: ExportFixture | undefined;
  let proxy: RecordingProxy | undefined;
  afterAll(async () => {
    await fixture?.close();
    await proxy?.close();
  });

  it('4 worker processes spend a 20-per-5-s budget fully, with at most one 429, and export exactly', { timeout: 90_000 }, async () => {
    fixture = await ExportFixture.create('fleet', { contacts: 16_000, seed: 21, rateLimit: { limit: LIMIT, windowMs: WINDOW_MS } });
    proxy = await startRecordingProxy(fixture.simulator.url);
    const env = { VIRTUOUS_BASE_URL: proxy.url };
    Object.assign(fixture.env, env);
    await fixture.startWorkers(4, 2);

    const dest = 's3://exports/fleet';
    const { exportId, result } = await fixture.start([
      '--dest',
      dest,
      '--format',
      'ndjson',
      '--rate-limit',
      `${LIMIT}/5s`,
      '--page-size',
      '250',
      '--part-rows',
      '2000',
      '--range-rows',
      '2000',
    ]);
    expect(result.code, result.stderr).toBe(0);
    await fixture.waitForCommit(exportId);

    const tooMany = proxy.records.filter((record) => record.status === 429).length;
    expect(tooMany).toBeLessThanOrEqual(1);
    const windows = acceptedPerWindow(proxy.records);
    expect(windows.length).toBeGreaterThanOrEqual(4);
    // Every window after the first, but the last (which only holds what was left), uses at least 90% of the budget.
    console.log(`accepted per window: ${windows.join(', ')}; 429s: ${tooMany}`);
    for (const used of windows.slice(1, -1)) expect(used).toBeGreaterThanOrEqual(LIMIT * 0.9);
    for (const used of windows) expect(used).toBeLessThanOrEqual(LIMIT);
    console.log(`accepted per ${WINDOW_MS / 1000} s window: ${windows.join(', ')}; 429s: ${tooMany}`);

    const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;
    const ids = await fixture.idsInParts(manifest);
    expect(ids.map((row) => row.id)).toEqual(fixture.simulator.expectedIds({ includeArchived: true }));
    expect(ids.every((row) => row.n === 1)).toBe(true);
  });

  it('a 429 storm pauses every worker process until Retry-After, then the export finishes exactly', { timeout: 90_000 }, async () => {
    const storm = await ExportFixture.create('storm', { contacts: 10_000, seed: 5, faults: { latencyMs: 20 } });
    try {
      await storm.startWorkers(2, 2);
      const dest = 's3://exports/storm';
      const { exportId, result } = await storm.start([
        '--dest',
        dest,
        '--format',
        'ndjson',
        '--page-size',
        '250',
        '--part-rows',
        '1000',
        '--range-rows',
        '2500',
      ]);
      expect(result.code, result.stderr).toBe(0);
      await waitForCommittedParts(storm.redisUrl, storm.prefix, exportId, 2);
      storm.simulator.serve429Storm(3000);
      await storm.waitForCommit(exportId);
      // Only the requests already on their way when the storm began meet it: the first 429 pauses the whole fleet.
      const refused = storm.simulator.stats.byStatus[429] ?? 0;
      expect(refused).toBeGreaterThanOrEqual(1);
      expect(refused).toBeLessThanOrEqual(4);
      const ids = await storm.exportedIds(dest, exportId);
      expect(ids.map((row) => row.id)).toEqual(storm.simulator.expectedIds({ includeArchived: true }));
      expect(ids.every((row) => row.n === 1)).toBe(true);
    } finally {
      await storm.close();
    }
  });
});
