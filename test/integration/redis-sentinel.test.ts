import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../simulators/local-services/local-redis.js';
import { BUCKET, ExportFixture } from '../support/export-fixture.js';
import { startRedisServer, type RedisServerProcess } from '../support/redis-server-process.js';

const CONTACTS = 1_500;

describe('a Redis master found through Sentinel', () => {
  let master: RedisServerProcess;
  let sentinel: RedisServerProcess;
  let sentinelPort: number;
  let fixture: ExportFixture;

  beforeAll(async () => {
    const masterPort = await freePort();
    sentinelPort = await freePort();
    master = await startRedisServer(['--port', String(masterPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    // A sentinel rewrites its configuration file, so it gets one of its own.
    sentinel = await startRedisServer(['{dir}/sentinel.conf', '--sentinel'], {
      ready: '+monitor master exports',
      files: { 'sentinel.conf': `port ${sentinelPort}\nbind 127.0.0.1\nsentinel monitor exports 127.0.0.1 ${masterPort} 1\n` },
    });
    // The test's own connections go to the master directly; the exporter's processes know only the sentinel.
    fixture = await ExportFixture.create(
      'sentinel',
      { contacts: CONTACTS, seed: 8 },
      {
        redisUrl: `redis://127.0.0.1:${masterPort}`,
        env: { REDIS_URL: undefined, REDIS_SENTINELS: `127.0.0.1:${sentinelPort}`, REDIS_SENTINEL_NAME: 'exports' },
      },
    );
  });

  afterAll(async () => {
    await fixture?.close();
    await sentinel?.close();
    await master?.close();
  });

  it('exports exactly, with the worker and the CLI asking the sentinel for the master', async () => {
    await fixture.startWorkers(1, 2);
    const dest = `s3://${BUCKET}/sentinel`;
    const { exportId, result } = await fixture.start(['--dest', dest, '--format', 'ndjson', '--page-size', '250', '--part-rows', '500', '--wait']);
    expect(result.code, result.stderr).toBe(0);
    const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;
    const ids = await fixture.idsInParts(manifest);
    expect(ids.map((row) => row.id)).toEqual(fixture.simulator.expectedIds({ includeArchived: true }));
    expect(ids.every((row) => row.n === 1)).toBe(true);
  });

  it('names the sentinels when they know no such master (exit 1), and wants REDIS_SENTINEL_NAME (exit 2)', async () => {
    const [unknown, unnamed] = await Promise.all([
      fixture.cli(['status', 'exp-20261122t214501-3f9a1c'], { REDIS_SENTINEL_NAME: 'no-such-master' }),
      fixture.cli(['status', 'exp-20261122t214501-3f9a1c'], { REDIS_SENTINEL_NAME: undefined }),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      `Redis at Redis master "no-such-master" of the sentinels 127.0.0.1:${sentinelPort} (REDIS_SENTINELS) did not answer`,
    );
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain('REDIS_SENTINEL_NAME is not set');
  });
});
