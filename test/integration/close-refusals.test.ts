import { describe, expect, it } from 'vitest';
import type { CloseSimulatorOptions } from '../../simulators/close/index.js';
import { BUCKET, CloseExportFixture } from '../support/close-fixture.js';

const SHARED_AT = '2017-03-04T05:06:07.080910+00:00';

/** One test's own simulator, S3 endpoint, queue prefix and worker. */
async function withFixture(label: string, options: CloseSimulatorOptions, test: (fixture: CloseExportFixture) => Promise<void>): Promise<void> {
  const fixture = await CloseExportFixture.create(label, options);
  try {
    await fixture.startWorkers(1, 3);
    await test(fixture);
  } finally {
    await fixture.close();
  }
}

/** Exports with `args` and checks that the parts hold every contact of the simulator exactly once. */
async function expectExactExport(fixture: CloseExportFixture, args: string[]): Promise<string> {
  const { result, folder } = await fixture.export(`s3://${BUCKET}/close-refusals`, [
    '--format',
    'parquet',
    '--fields',
    'name',
    '--part-rows',
    '300',
    '--range-rows',
    '600',
    ...args,
  ]);
  expect(result.code, result.stderr + fixture.workerLogs()).toBe(0);
  const manifest = (await fixture.manifest(folder))!;
  const ids = await fixture.queryParts(manifest, (reader) => `SELECT id, count(*) AS n FROM ${reader} GROUP BY id ORDER BY id`);
  expect(ids.map((row) => row.id)).toEqual([...fixture.simulator.expectedIds()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  expect(ids.every((row) => row.n === 1)).toBe(true);
  expect(manifest.rows).toBe(fixture.simulator.expectedIds().length);
  return result.stderr;
}

/**
 * How Close refuses a cursor, and how a walk ends at its 10,000-object cap, are not settled by the
 * evidence: the export is exact with each shape the simulator can play.
 */
describe('Close exports through every shape of cursor refusal and walk cap', () => {
  for (const cursorErrorShape of ['field-errors', 'message'] as const) {
    for (const walkCapShape of ['cursor-null', 'refuse'] as const) {
      it(`every contact exactly once: cursors refused with ${cursorErrorShape}, walks capped by ${walkCapShape}`, async () => {
        // Pages of 50 and walks capped at 100: most walks reach the cap. Cursors live 300 ms and the clock leaps
        // 400 ms every 15 readings, so some walks die before it, on any machine. 150 contacts share one
        // date_created, more than a walk can hold.
        let readings = 0;
        const options: CloseSimulatorOptions = {
          contacts: 1500,
          seed: 17,
          sharedTimestamp: { count: 150, at: SHARED_AT },
          cursorTtlMs: 300,
          maxObjectsPerWalk: 100,
          cursorErrorShape,
          walkCapShape,
          now: () => Date.now() + 400 * Math.floor(++readings / 15),
        };
        await withFixture(`close-refusals-${cursorErrorShape}-${walkCapShape}`, options, async (fixture) => {
          await expectExactExport(fixture, ['--page-size', '50']);
          const stats = fixture.simulator.stats;
          expect(stats.cursorsExpired).toBeGreaterThan(0);
          if (walkCapShape === 'refuse') expect(stats.walksRefusedAtCap).toBeGreaterThan(0);
        });
      });
    }
  }

  it('steps the page size down when Close refuses _limit (200, 100, 50) and exports exactly', async () => {
    await withFixture('close-refusals-limit', { contacts: 1200, seed: 23, maxLimit: 60, maxObjectsPerWalk: 700 }, async (fixture) => {
      const stderr = await expectExactExport(fixture, []);
      expect(stderr).toContain('Close refused _limit 200; pages of 50 are read instead');
      // Learnt once when the export started: the workers read with _limit 50 from their first request.
      expect(fixture.simulator.stats.byStatus[400]).toBe(2);
    });
  });
});
