import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from '../../src/queue/bullmq.js';
import { EXPORT_QUEUE } from '../../src/queue/queue-names.js';
import { spawnWorker, type WorkerProcess } from '../support/cli-process.js';
import { ExportFixture } from '../support/export-fixture.js';
import { waitForCommittedParts } from '../support/progress-events.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';

const CONTACTS = 20_000;
const PAGE_SIZE = 100;
const PART_ROWS = 500;
const CONCURRENCY = 2;
/** The export writes at least 40 parts (CONTACTS / PART_ROWS): a kill after the 8th, 16th, 24th and 32nd, while parts are still to come. */
const KILL_EVERY_PARTS = 8;
const LAST_KILL_AT_PARTS = 32;

/**
 * Workers SIGKILLed in turn while an export reads slow pages. Locks last a minute and the stall check
 * runs every 30 s, so only the fleet roster's handover can move a dead worker's ranges on in time: the
 * export committing with several kills shows it does, and the rows the API served show that each kill
 * cost at most the parts its ranges were filling. (How long a handover takes, and the export's time
 * against a run without kills, are figures of `npm run bench -- --only liveness`.)
 */
describe('workers killed in turn', () => {
  let fixture: ExportFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it("hands a dead worker's ranges on without waiting for their locks, and commits exactly", { timeout: 180_000 }, async () => {
    fixture = await ExportFixture.create(
      'kills',
      { contacts: CONTACTS, seed: 23, faults: { latencyMs: [250, 350], seed: 3 } },
      { env: { WORKER_LOCK_DURATION_MS: '60000', WORKER_STALLED_INTERVAL_MS: '30000' } },
    );
    let workers = await fixture.startWorkers(3, CONCURRENCY);
    const dest = 's3://exports/kills';
    const { exportId, result } = await fixture.start([
      '--dest',
      dest,
      '--format',
      'parquet',
      '--page-size',
      String(PAGE_SIZE),
      '--part-rows',
      String(PART_ROWS),
    ]);
    expect(result.code, result.stderr).toBe(0);
    let committed = false;
    const commit = fixture.waitForCommit(exportId).then(() => {
      committed = true;
    });
    await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 1);

    // The oldest worker dies after every few parts and a new one joins, as a fleet whose containers are
    // preempted does. Counted in parts, not seconds: how many kills an export outlives must not depend on
    // how fast the machine is.
    let kills = 0;
    for (let parts = KILL_EVERY_PARTS; parts <= LAST_KILL_AT_PARTS; parts += KILL_EVERY_PARTS) {
      // Every part is written before the commit, so this wait always ends.
      await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, parts);
      if (committed) break;
      const [victim, ...rest] = workers;
      victim!.child.kill('SIGKILL');
      await victim!.stop();
      kills += 1;
      const replacement: WorkerProcess = await spawnWorker(fixture.env, CONCURRENCY);
      fixture.workers.push(replacement);
      workers = [...rest, replacement];
    }
    await commit;
    expect(kills, 'the export outlived several kills').toBeGreaterThanOrEqual(3);

    const folder = await fixture.folder(dest, exportId);
    const manifest = (await fixture.manifest(folder))!;
    const expected = fixture.simulator.expectedIds({ includeArchived: true });
    const ids = await fixture.idsInParts(manifest);
    expect(ids.filter((row) => row.n !== 1)).toEqual([]);
    expect(ids.map((row) => row.id)).toEqual(expected);
    expect(manifest.rows).toBe(expected.length);

    // Every kill loses at most what its ranges had read into parts not yet written: a part, plus the page
    // read ahead, per slot. Planning counts, and each split ends a range with one more page.
    const lostPerKill = CONCURRENCY * (PART_ROWS + 2 * PAGE_SIZE);
    const splitPages = (manifest.ranges - 1) * PAGE_SIZE;
    expect(fixture.simulator.stats.rowsServed).toBeLessThanOrEqual(CONTACTS + kills * lostPerKill + splitPages + 2 * PAGE_SIZE);

    // The ranges moved on by handover (the locks would have held them a minute), and the export's log says so.
    const connection = createRedisConnection(fixture.redisUrl, 'test-log');
    const queue = new Queue(EXPORT_QUEUE, { connection, prefix: fixture.prefix });
    try {
      const { logs } = await queue.getJobLogs(exportId, 0, -1);
      expect(logs.filter((line) => / handed on: range \d+, whose worker \S+ went silent/.test(line)).length).toBeGreaterThanOrEqual(kills);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});
