import { afterEach, describe, expect, it } from 'vitest';
import { setTimeout as delay } from 'node:timers/promises';
import { Queue, QueueEvents } from '../../src/queue/bullmq.js';
import { RANGE_QUEUE } from '../../src/queue/queue-names.js';
import { EXPORT_DESCRIPTOR_NAME, exportIndexKey } from '../../src/sinks/export-layout.js';
import { parseS3Url } from '../../src/sinks/s3/s3-location.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';
import { dropPrefix, otherClientsGone } from '../support/test-redis.js';
import { startPrivateRedisServer } from '../../simulators/local-services/local-redis.js';
import { spawnWorker } from '../support/cli-process.js';
import { generateCredentialKey } from '../../src/accounts/credential-keyring.js';
import { ExportFixture } from '../support/export-fixture.js';
import { waitForCommittedParts } from '../support/progress-events.js';

describe('operator controls and recovery', () => {
  let fixture: ExportFixture | undefined;

  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('cancel stops every request, leaves no _SUCCESS and lets the credential handed over for it go', async () => {
    // Slow enough (about 150 pages of 100 ms over 3 slots) that cancel lands mid-export.
    fixture = await ExportFixture.create(
      'cancel',
      { contacts: 30_000, faults: { latencyMs: 100 } },
      { env: { CREDENTIALS_KEY: generateCredentialKey('cancel') } },
    );
    await fixture.startWorkers(1, 3);
    const dest = 's3://exports/cancel';
    const handedCredentials = async () => JSON.parse((await fixture!.cli(['credentials', 'list', '--json'])).stdout) as unknown[];
    const { exportId, result } = await fixture.start(
      ['--credential-stdin', '--dest', dest, '--format', 'ndjson', '--part-rows', '1000', '--range-rows', '5000', '--page-size', '200'],
      { input: fixture.simulator.token },
    );
    expect(result.code, result.stderr).toBe(0);
    await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 3);
    expect(await handedCredentials()).toHaveLength(1);

    const cancelled = await fixture.cli(['cancel', exportId]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain(`cancelled ${exportId}`);
    const requestsAtCancel = fixture.simulator.stats.requests;
    // Proving that nothing more happens needs an observation window; the worker would send a page every ~100 ms.
    await delay(1500);
    expect(fixture.simulator.stats.requests).toBe(requestsAtCancel);
    const folder = await fixture.folder(dest, exportId);
    expect(await fixture.store.exists(`${folder}/_SUCCESS`)).toBe(false);
    expect(await fixture.manifest(folder)).toBeUndefined();
    const status = await fixture.cli(['status', exportId, '--json']);
    expect(JSON.parse(status.stdout).state).toBe('cancelled');
    expect(await handedCredentials()).toEqual([]);
  });

  it.each([
    ['its table folder', false],
    ['the folder of exports started before tables (<prefix>/<exportId>, no export index)', true],
  ])('rebuilds from S3 in %s after every worker died and Redis lost the export, re-reading no committed row', async (_layout, legacy) => {
    // A Redis of its own: it sees no other test's workers, so the killed ones' connections can be seen to go.
    const redis = await startPrivateRedisServer();
    cleanups.push(() => redis.close());
    fixture = await ExportFixture.create('rebuild', { contacts: 20_000, faults: { latencyMs: 100 } }, { redisUrl: redis.url });
    const [victimA, victimB] = await fixture.startWorkers(2, 2);
    const dest = 's3://exports/rebuild';
    const { exportId, result } = await fixture.start([
      '--dest',
      dest,
      '--format',
      'parquet',
      '--part-rows',
      '1000',
      '--range-rows',
      '5000',
      '--page-size',
      '200',
      '--include-archived',
    ]);
    expect(result.code, result.stderr).toBe(0);
    await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 6);
    for (const victim of [victimA!, victimB!]) victim.child.kill('SIGKILL');
    await Promise.all([victimA!, victimB!].map((victim) => victim.stop()));
    // What a killed worker had written to its sockets still reaches Redis after the process is gone: Redis has
    // run all of it once it closed their connections, and only then is the export's state dropped.
    await otherClientsGone(redis.url);
    await dropPrefix(fixture.redisUrl, fixture.prefix);
    if (legacy) await moveToLegacyLayout(fixture, dest, exportId);

    // Pages the killed workers had already requested are still served within the simulated latency (100 ms):
    // let them land before counting, so the count below holds only what the resumed export reads.
    await delay(500);
    const rowsServedBefore = fixture.simulator.stats.rowsServed;
    const resumed = await fixture.cli(['resume', exportId, '--dest', dest]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout, resumed.stderr).toMatch(/^rebuilt .* with \d+ rows kept/);
    const recovered = Number(/with (\d+) rows kept/.exec(resumed.stdout)?.[1]);
    expect(recovered).toBeGreaterThanOrEqual(6000);

    await fixture.startWorkers(2, 2);
    await fixture.waitForCommit(exportId);
    expect(JSON.parse((await fixture.cli(['status', exportId, '--json'])).stdout).state).toBe('committed');
    const expected = fixture.simulator.expectedIds({ includeArchived: true });
    // Only rows after each range's last committed part were read again, each exactly once.
    expect(fixture.simulator.stats.rowsServed - rowsServedBefore).toBe(expected.length - recovered);

    const folder = await fixture.folder(dest, exportId);
    expect(folder).toBe(legacy ? `rebuild/${exportId}` : `rebuild/virtuous/contacts/export_id=${exportId}`);
    expect(await fixture.store.exists(`${folder}/_SUCCESS`)).toBe(true);
    const manifest = (await fixture.manifest(folder))!;
    expect(manifest.rows).toBe(expected.length);
    const ids = await fixture.idsInParts(manifest);
    expect(ids.map((row) => row.id)).toEqual(expected);
    expect(ids.every((row) => row.n === 1)).toBe(true);
  });

  it('pause parks the ranges and resume lets them finish', async () => {
    fixture = await ExportFixture.create('pause', { contacts: 12_000, faults: { latencyMs: 100 } });
    await fixture.startWorkers(1, 1);
    const dest = 's3://exports/pause';
    const { exportId } = await fixture.start([
      '--dest',
      dest,
      '--format',
      'ndjson',
      '--part-rows',
      '1000',
      '--range-rows',
      '3000',
      '--page-size',
      '200',
    ]);
    await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 1);
    expect((await fixture.cli(['pause', exportId])).code).toBe(0);
    const paused = await fixture.cli(['status', exportId, '--json']);
    const pausedStatus = JSON.parse(paused.stdout);
    expect(pausedStatus.state).toBe('paused');
    expect(pausedStatus.ranges.done).toBeLessThan(pausedStatus.ranges.total);

    const resumed = await fixture.cli(['resume', exportId]);
    expect(resumed.code, resumed.stderr).toBe(0);
    await fixture.waitForCommit(exportId);
    const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;
    const ids = await fixture.idsInParts(manifest);
    expect(ids.map((row) => row.id)).toEqual(fixture.simulator.expectedIds({ includeArchived: true }));
    expect(ids.every((row) => row.n === 1)).toBe(true);
  });

  it('SIGTERM hands the ranges back at once: no stall, no attempt spent, exact output', async () => {
    fixture = await ExportFixture.create('sigterm', { contacts: 12_000, faults: { latencyMs: 120 } });
    // Two workers from the start, each holding ranges; the export lasts several seconds, so the leaving one is mid-range.
    const [leaving] = await fixture.startWorkers(2, 2);
    const connection = createRedisConnection(fixture.redisUrl, 'test-events');
    const events = new QueueEvents(RANGE_QUEUE, { connection, prefix: fixture.prefix });
    const stalled: string[] = [];
    events.on('stalled', ({ jobId }) => stalled.push(jobId));
    await events.waitUntilReady();
    try {
      const dest = 's3://exports/sigterm';
      const { exportId } = await fixture.start([
        '--dest',
        dest,
        '--format',
        'parquet',
        '--part-rows',
        '1000',
        '--range-rows',
        '3000',
        '--page-size',
        '200',
      ]);
      await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 2);

      await leaving!.stop(); // one SIGTERM, then the wait for its exit (a second signal would force the exit)
      // It handed its ranges back rather than letting their locks run out: no stall below, no attempt spent.
      expect(leaving!.output()).toContain('released range on shutdown');

      await fixture.waitForCommit(exportId);
      expect(stalled).toEqual([]);
      const queue = new Queue(RANGE_QUEUE, { connection, prefix: fixture.prefix });
      try {
        const jobs = await queue.getJobs(['completed']);
        expect(jobs.length).toBeGreaterThanOrEqual(4);
        for (const job of jobs) expect(job.attemptsMade).toBe(1);
      } finally {
        await queue.close();
      }
      const ids = await fixture.exportedIds(dest, exportId);
      expect(ids.map((row) => row.id)).toEqual(fixture.simulator.expectedIds({ includeArchived: true }));
      expect(ids.every((row) => row.n === 1)).toBe(true);
    } finally {
      await events.close();
      connection.disconnect();
    }
  });

  it('a range that fails for good fails fast, and retry finishes the export from its checkpoint', async () => {
    fixture = await ExportFixture.create('retry', { contacts: 6_000 });
    const wrong = await spawnWorker({ ...fixture.env, VIRTUOUS_API_TOKEN: 'not-the-planning-token' }, 2);
    fixture.workers.push(wrong);
    const dest = 's3://exports/retry';
    const { exportId, result } = await fixture.start(['--dest', dest, '--format', 'ndjson', '--range-rows', '2000', '--wait']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed: .*range \d+.*This worker's VIRTUOUS_API_TOKEN is not the credential the export was started with/);
    // Fast: the failed range was not tried again (no retries with backoff before the export fails).
    const connection = createRedisConnection(fixture.redisUrl, 'test-failed-ranges');
    const queue = new Queue(RANGE_QUEUE, { connection, prefix: fixture.prefix });
    try {
      const failedRanges = await queue.getJobs(['failed']);
      expect(failedRanges.length).toBeGreaterThanOrEqual(1);
      for (const job of failedRanges) expect(job.attemptsMade).toBe(1);
    } finally {
      await queue.close();
      connection.disconnect();
    }
    const failed = JSON.parse((await fixture.cli(['status', exportId, '--json'])).stdout);
    expect(failed.state).toBe('failed');
    expect(failed.error).toContain(`bulk-export retry ${exportId}`);
    expect(JSON.stringify(failed)).not.toContain('not-the-planning-token');

    await wrong.stop();
    await fixture.startWorkers(1, 2);
    const retried = await fixture.cli(['retry', exportId]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(/retrying range\(s\) /);
    await fixture.waitForCommit(exportId);
    const ids = await fixture.exportedIds(dest, exportId);
    expect(ids.map((row) => row.id)).toEqual(fixture.simulator.expectedIds({ includeArchived: true }));
    expect(ids.every((row) => row.n === 1)).toBe(true);
  });
});

/**
 * Makes an export look as one started before tables left it: its objects under `<prefix>/<exportId>`, a
 * spec without table or folder, no export index entry. Part metadata (ranges, cursors) stays as written.
 */
async function moveToLegacyLayout(fixture: ExportFixture, dest: string, exportId: string): Promise<void> {
  const folder = await fixture.folder(dest, exportId);
  const legacyFolder = `${parseS3Url(dest).prefix}/${exportId}`;
  for (const { key } of await fixture.store.list(`${folder}/`)) {
    const target = `${legacyFolder}/${key.slice(folder.length + 1)}`;
    if (key.endsWith(`/${EXPORT_DESCRIPTOR_NAME}`)) {
      const descriptor = JSON.parse((await fixture.store.getText(key))!) as { spec: Record<string, unknown> };
      delete descriptor.spec.table;
      delete descriptor.spec.folder;
      await fixture.store.put(target, JSON.stringify(descriptor), { contentType: 'application/json' });
    } else {
      await fixture.store.put(target, await fixture.store.getBytes(key), {
        contentType: 'application/octet-stream',
        metadata: await fixture.store.metadata(key),
      });
    }
    await fixture.store.delete(key);
  }
  await fixture.store.delete(exportIndexKey(parseS3Url(dest), exportId));
  expect(await fixture.folder(dest, exportId)).toBe(legacyFolder);
}
