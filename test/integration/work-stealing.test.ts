import { afterEach, describe, expect, it } from 'vitest';
import { ExportFixture } from '../support/export-fixture.js';
import { waitForCommittedParts, waitForSplits } from '../support/progress-events.js';

/**
 * Work stealing end to end: one worker with one slot plans one range; more workers join, and their free
 * slots split the running range (and the ranges split off it) while it reads. Workers are SIGKILLed right
 * after splits: the victim's end moved on the board, the new range's job may or may not have been added,
 * and the victim may die before it finishes. The export stays exact.
 */
describe('work stealing', () => {
  let fixture: ExportFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it('splits running ranges for workers that join, and stays exact when workers are killed during splits', { timeout: 120_000 }, async () => {
    fixture = await ExportFixture.create(
      'stealing',
      { contacts: 60_000, seed: 17, faults: { latencyMs: 20 } },
      { env: { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000' } },
    );
    const [first] = await fixture.startWorkers(1, 1);
    const dest = 's3://exports/stealing';
    const { exportId, result } = await fixture.start(['--dest', dest, '--format', 'parquet', '--page-size', '100', '--part-rows', '1000']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse((await fixture.cli(['status', exportId, '--json'])).stdout).ranges.total, 'one slot in the fleet: one range').toBe(1);
    await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 1);

    // Two workers join with two slots each: their free slots split the running range.
    const firstSplit = waitForSplits(fixture.redisUrl, fixture.prefix, exportId, 1, 1);
    const [joinerA] = await fixture.startWorkers(2, 2);
    await firstSplit;
    joinerA!.child.kill('SIGKILL');
    await joinerA!.stop();
    // The next split, then the worker that holds the first range dies too.
    await waitForSplits(fixture.redisUrl, fixture.prefix, exportId, 1, 2);
    first!.child.kill('SIGKILL');
    await first!.stop();
    await fixture.startWorkers(1, 2);

    await fixture.waitForCommit(exportId);
    const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;
    expect(manifest.ranges, 'ranges were split off').toBeGreaterThanOrEqual(3);
    const expected = fixture.simulator.expectedIds({ includeArchived: true });
    const ids = await fixture.idsInParts(manifest);
    expect(ids.filter((row) => row.n !== 1)).toEqual([]);
    expect(ids.map((row) => row.id)).toEqual(expected);
    expect(manifest.rows).toBe(expected.length);
  });
});
