import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCredentialKey } from '../../src/accounts/credential-keyring.js';
import { ExportRegistry } from '../../src/queue/export-registry.js';
import { ExportFixture } from '../support/export-fixture.js';

const DEST = 's3://exports/retention';

/**
 * A start forgets the exports that finished longer than EXPORT_RETENTION_MS ago: every key of theirs but
 * BullMQ's jobs (which BullMQ trims) leaves Redis, while an export still running, however old, stays whole,
 * and S3 keeps every object.
 */
describe('finished exports are forgotten after EXPORT_RETENTION_MS', () => {
  let fixture: ExportFixture;
  let redis: Redis;

  beforeAll(async () => {
    fixture = await ExportFixture.create('retention', { contacts: 300 }, { env: { CREDENTIALS_KEY: generateCredentialKey('retention') } });
    redis = new Redis(fixture.redisUrl);
  });
  afterAll(async () => {
    redis?.disconnect();
    await fixture?.close();
  });

  /** The exporter's own keys of an export (BullMQ's job keys, under the queues' names, are left out). */
  async function keysOf(exportId: string): Promise<string[]> {
    const keys = await redis.keys(`${fixture.prefix}:*${exportId}*`);
    return keys.filter((key) => !/:(exports|export-ranges|notifications):/.test(key)).sort();
  }

  it('forgets a committed export at the next start, keeps a running one whatever its age, and leaves S3 alone', async () => {
    const [worker] = await fixture.startWorkers(1, 2);
    const committed = await fixture.start(['--dest', DEST, '--format', 'ndjson', '--range-rows', '100', '--wait']);
    expect(committed.result.code, committed.result.stderr).toBe(0);
    const folder = await fixture.folder(DEST, committed.exportId);
    expect(await keysOf(committed.exportId)).toEqual(
      expect.arrayContaining([
        `${fixture.prefix}:export:${committed.exportId}`,
        `${fixture.prefix}:ranges:${committed.exportId}`,
        `${fixture.prefix}:checkpoint:${committed.exportId}:0`,
        `${fixture.prefix}:checkpoint:${committed.exportId}:2`,
      ]),
    );
    // With no worker, the next exports stay running.
    await worker!.stop();

    const retention = { EXPORT_RETENTION_MS: '1' };
    const running = await fixture.cli(['start', '--source', 'virtuous', '--dest', DEST, '--format', 'ndjson'], retention);
    expect(running.code, running.stderr).toBe(0);
    const runningId = running.stdout.trim().split('\n').at(-1)!;
    expect(running.stderr).toContain('"forgot finished exports"');

    expect(await keysOf(committed.exportId)).toEqual([]);
    expect(await redis.zscore(`${fixture.prefix}:exports`, committed.exportId)).toBeNull();
    const status = await fixture.cli(['status', committed.exportId]);
    expect(status.code).not.toBe(0);
    expect(status.stderr).toMatch(/No export "exp-[^"]+" is known to the Redis at REDIS_URL \(.*EXPORT_RETENTION_MS/);
    // S3 keeps the export: its manifest and _SUCCESS.
    expect(await fixture.manifest(folder)).toMatchObject({ exportId: committed.exportId, rows: 300 });
    expect(await fixture.store.exists(`${folder}/_SUCCESS`)).toBe(true);

    // Another start with the same retention: the running export, started long enough ago, stays whole.
    const next = await fixture.cli(['start', '--source', 'virtuous', '--dest', DEST, '--format', 'ndjson'], retention);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).not.toContain('"forgot finished exports"');
    expect(await keysOf(runningId)).toEqual(
      expect.arrayContaining([`${fixture.prefix}:export:${runningId}`, `${fixture.prefix}:ranges:${runningId}`]),
    );
    expect(JSON.parse((await fixture.cli(['status', runningId, '--json'])).stdout)).toMatchObject({ state: 'running' });

    // And once workers run again, it commits exactly.
    await fixture.startWorkers(1, 2);
    await fixture.waitForCommit(runningId);
    const ids = await fixture.exportedIds(DEST, runningId);
    expect(ids.map((row) => row.id)).toEqual(fixture.simulator.expectedIds({ includeArchived: true }));
    expect(ids.every((row) => row.n === 1)).toBe(true);
  });

  it('lets go of the credential handed over for a failed export it forgets', async () => {
    await Promise.all(fixture.workers.map((worker) => worker.stop()));
    const handedCredentials = async () => JSON.parse((await fixture.cli(['credentials', 'list', '--json'])).stdout) as unknown[];
    const { exportId, result } = await fixture.start(['--credential-stdin', '--dest', DEST, '--format', 'ndjson'], {
      input: fixture.simulator.token,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(await handedCredentials()).toMatchObject([{ holders: [`export:${exportId}`] }]);
    // The export failed for good (as a worker records it) and waits for a retry, holding its credential.
    await new ExportRegistry(redis, fixture.prefix).update(exportId, {
      state: 'failed',
      error: 'range 0 failed for good',
      finishedAt: new Date().toISOString(),
    });

    const next = await fixture.cli(['start', '--source', 'virtuous', '--dest', DEST, '--format', 'ndjson'], { EXPORT_RETENTION_MS: '1' });
    expect(next.code, next.stderr).toBe(0);
    expect(await keysOf(exportId)).toEqual([]);
    // The new export took the account's credential up (it is the one the account has); the forgotten one let go.
    const holders = (await handedCredentials()).flatMap((listing) => (listing as { holders: string[] }).holders);
    expect(holders).not.toContain(`export:${exportId}`);
    expect(holders).toContain(`export:${next.stdout.trim().split('\n').at(-1)}`);
  });
});
