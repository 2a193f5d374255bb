import { afterAll, describe, expect, it } from 'vitest';
import { setTimeout as delay } from 'node:timers/promises';
import { startPrivateRedisServer } from '../../simulators/local-services/local-redis.js';
import { spawnWorker, type WorkerProcess } from '../support/cli-process.js';
import { ExportFixture } from '../support/export-fixture.js';
import { waitForCommittedParts } from '../support/progress-events.js';

const CHAOS_DEADLINE_MS = 150_000;

describe('crash safety under chaos', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('commits every id exactly once while workers are SIGKILLed and Redis restarts', { timeout: 240_000 }, async () => {
    const redis = await startPrivateRedisServer({ persistent: true });
    let currentRedis = redis;
    cleanups.push(() => currentRedis.close());
    cleanups.push(() => redis.close());
    const fixture = await ExportFixture.create(
      'chaos',
      { contacts: 40_000, seed: 11, faults: { errorRate: 0.03, dropRate: 0.01, latencyMs: [40, 140], seed: 5 } },
      { redisUrl: redis.url, env: { WORKER_LOCK_DURATION_MS: '3000', WORKER_STALLED_INTERVAL_MS: '1500' } },
    );
    cleanups.push(() => fixture.close());
    let workers = await fixture.startWorkers(3, 2);

    const dest = 's3://exports/chaos';
    const { exportId, result } = await fixture.start([
      '--dest',
      dest,
      '--format',
      'parquet',
      '--part-rows',
      '1000',
      '--range-rows',
      '4000',
      '--page-size',
      '100',
    ]);
    expect(result.code, result.stderr).toBe(0);
    let committed = false;
    const commit = fixture.waitForCommit(exportId).then(() => {
      committed = true;
    });
    await waitForCommittedParts(redis.url, fixture.prefix, exportId, 2);

    const started = Date.now();
    let kills = 0;
    let redisRestarted = false;
    while (!committed && Date.now() - started < CHAOS_DEADLINE_MS) {
      await Promise.race([commit, delay(2000)]);
      if (committed) break;
      const victim = workers[Math.floor(Math.random() * workers.length)]!;
      victim.child.kill('SIGKILL');
      await victim.stop();
      kills += 1;
      if (!redisRestarted && kills === 2) {
        // Persistence is on (AOF, fsync always): a clean restart on the same port and folder keeps the queue.
        await redis.stop();
        currentRedis = await startPrivateRedisServer({ persistent: true, port: redis.port, directory: redis.directory });
        redisRestarted = true;
      }
      const replacement: WorkerProcess = await spawnWorker(fixture.env, 2);
      fixture.workers.push(replacement);
      workers = [...workers.filter((worker) => worker !== victim), replacement];
    }
    await commit;
    expect(redisRestarted).toBe(true);
    expect(kills).toBeGreaterThanOrEqual(2);

    const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;
    const expected = fixture.simulator.expectedIds({ includeArchived: true });
    expect(manifest.rows).toBe(expected.length);
    const ids = await fixture.idsInParts(manifest);
    expect(ids.map((row) => row.id)).toEqual(expected);
    expect(ids.every((row) => row.n === 1)).toBe(true);
    const listed = await fixture.store.list(`${await fixture.folder(dest, exportId)}/part-`);
    expect(listed.map((object) => object.key).sort()).toEqual(manifest.parts.map((part) => part.key).sort());
  });
});
