import { afterEach, describe, expect, it, vi } from 'vitest';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Queue } from '../../src/queue/bullmq.js';
import { RANGE_QUEUE } from '../../src/queue/queue-names.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';
import type { ExportManifest } from '../../src/sinks/manifest.js';
import { spawnWorker, type WorkerProcess } from '../support/cli-process.js';
import { ExportFixture } from '../support/export-fixture.js';
import { waitForCommittedParts } from '../support/progress-events.js';
import { S3FaultProxy } from '../support/s3-fault-proxy.js';

/** Part objects: `part-r00000-s000001-a1b2c3d4.ndjson` (see src/sinks/part-key.ts). */
const PART_KEY = /\/part-r\d+-s\d+-a[0-9a-z]+\.(parquet|ndjson)$/;

/** Short S3 limits, so that a hung request or an outage plays out in seconds. */
const FAST_S3 = {
  S3_CONNECTION_TIMEOUT_MS: '1000',
  S3_REQUEST_TIMEOUT_MS: '1500',
  S3_MAX_ATTEMPTS: '3',
  S3_OUTAGE_FIRST_WAIT_MS: '250',
  S3_OUTAGE_MAX_WAIT_MS: '1000',
  S3_OUTAGE_GIVE_UP_MS: '60000',
};

interface LogRecord {
  msg?: string;
  [field: string]: unknown;
}

function records(output: string): LogRecord[] {
  return output
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogRecord);
}

describe('S3 faults: an export is exact, or fails clearly with no _SUCCESS', () => {
  let fixture: ExportFixture | undefined;
  let proxy: S3FaultProxy | undefined;

  afterEach(async () => {
    await fixture?.close();
    await proxy?.close();
    fixture = undefined;
    proxy = undefined;
  });

  /** A fixture whose exporter (workers and CLI) reaches S3 through a fault proxy; `fixture.store` still reads S3 directly. */
  async function proxiedFixture(
    label: string,
    simulator: Parameters<typeof ExportFixture.create>[1],
    env: NodeJS.ProcessEnv = {},
  ): Promise<{ fixture: ExportFixture; proxy: S3FaultProxy }> {
    const created = await ExportFixture.create(label, simulator, { env: { ...FAST_S3, ...env } });
    fixture = created;
    const started = await S3FaultProxy.start(created.s3.endpoint);
    proxy = started;
    created.env.S3_ENDPOINT = started.endpoint;
    return { fixture: created, proxy: started };
  }

  async function expectExact(current: ExportFixture, manifest: ExportManifest): Promise<void> {
    const ids = await current.idsInParts(manifest);
    expect(ids.map((row) => row.id)).toEqual(current.simulator.expectedIds({ includeArchived: true }));
    expect(ids.every((row) => row.n === 1)).toBe(true);
  }

  /** The part objects in the export's folder are exactly the manifest's. */
  async function expectOnlyManifestParts(current: ExportFixture, folder: string, manifest: ExportManifest): Promise<void> {
    const listed = (await current.store.list(`${folder}/`)).map((object) => object.key).filter((key) => PART_KEY.test(key));
    expect(listed.sort()).toEqual(manifest.parts.map((part) => part.key).sort());
  }

  it('a part PUT that never answers times out, is retried and logged, and the export is exact', async () => {
    const { fixture, proxy } = await proxiedFixture('s3-held', { contacts: 6_000 });
    // The second part upload is accepted and never answered, as by a stuck proxy or server.
    proxy.hold({ method: 'PUT', key: PART_KEY, nth: 2 });
    const [worker] = await fixture.startWorkers(1, 2);
    const dest = 's3://exports/held';
    const { exportId, result } = await fixture.start(['--dest', dest, '--format', 'parquet', '--part-rows', '1000', '--range-rows', '2000']);
    expect(result.code, result.stderr).toBe(0);

    const held = await proxy.nextHeld();
    await held.clientGone; // the worker's request timeout (S3_REQUEST_TIMEOUT_MS) gave up on it
    await fixture.waitForCommit(exportId);

    const folder = await fixture.folder(dest, exportId);
    const manifest = (await fixture.manifest(folder))!;
    await expectExact(fixture, manifest);
    await expectOnlyManifestParts(fixture, folder, manifest);
    // The same key was sent again and S3 stored it.
    expect(proxy.log.some((entry) => entry.method === 'PUT' && entry.key === held.key && entry.status === 200)).toBe(true);
    const retried = records(worker!.output()).find((record) => record.msg === 'S3 request failed; retrying');
    expect(retried, worker!.output()).toMatchObject({
      exportId,
      s3: { operation: 'PutObject', bucket: 'exports', key: held.key, endpoint: proxy.endpoint },
      problem: expect.stringMatching(/TimeoutError.*1500 ms/),
    });
    expect(worker!.output()).not.toContain(fixture.env.AWS_SECRET_ACCESS_KEY!);
  });

  it('a slow part upload does not hold up the reading: the next part is read meanwhile, parts are written one at a time, and the export is exact', async () => {
    // The held upload stays held until the test forwards it: the request timeout is long.
    const { fixture, proxy } = await proxiedFixture('s3-slow', { contacts: 6_000 }, { S3_REQUEST_TIMEOUT_MS: '60000' });
    proxy.hold({ method: 'PUT', key: PART_KEY });
    await fixture.startWorkers(1, 1);
    const dest = 's3://exports/slow-upload';
    const { exportId, result } = await fixture.start(['--dest', dest, '--format', 'parquet', '--part-rows', '1000']);
    expect(result.code, result.stderr).toBe(0);

    const upload = await proxy.nextHeld();
    // One page of 1,000 rows is a part: the second part is read while the first is still uploading ...
    await vi.waitFor(() => expect(fixture.simulator.stats.rowsServed).toBeGreaterThanOrEqual(2_000), { timeout: 10_000, interval: 20 });
    // ... and waits for it: no other part reached S3.
    expect(proxy.log.filter((entry) => PART_KEY.test(entry.key))).toEqual([]);
    expect(await upload.forward()).toBe(200);
    await fixture.waitForCommit(exportId);

    const folder = await fixture.folder(dest, exportId);
    const manifest = (await fixture.manifest(folder))!;
    await expectExact(fixture, manifest);
    await expectOnlyManifestParts(fixture, folder, manifest);
    expect(manifest.parts.map((part) => part.sequence)).toEqual([0, 1, 2, 3, 4, 5]);
    // Each part's upload began after the one before it was stored.
    const partPuts = proxy.log.filter((entry) => entry.method === 'PUT' && PART_KEY.test(entry.key));
    expect(partPuts.map((entry) => entry.key)).toEqual(manifest.parts.map((part) => part.key));
  });

  it('parts deleted under a running export: the commit refuses, says what to do, and retry gives an exact export', async () => {
    // Slow pages (60 ms each, 40 of them over 2 slots), so parts can be deleted while ranges still read.
    const { fixture } = await proxiedFixture('s3-missing', { contacts: 8_000, faults: { latencyMs: 60 } });
    await fixture.startWorkers(1, 2);
    const dest = 's3://exports/missing';
    const { exportId, result } = await fixture.start([
      '--dest',
      dest,
      '--format',
      'ndjson',
      '--part-rows',
      '1000',
      '--range-rows',
      '2000',
      '--page-size',
      '200',
    ]);
    expect(result.code, result.stderr).toBe(0);
    await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 3);
    const folder = await fixture.folder(dest, exportId);
    const deleted = (await fixture.store.list(`${folder}/`)).map((object) => object.key).filter((key) => PART_KEY.test(key));
    expect(deleted.length).toBeGreaterThanOrEqual(3);
    await fixture.store.deleteMany(deleted);

    const refusal = await fixture.waitForCommit(exportId).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(refusal?.message).toMatch(/not committed.*missing or changed on S3/);
    expect(refusal?.message).toContain(`${deleted[0]} is missing`);
    expect(refusal?.message).toContain(`bulk-export retry ${exportId}`);
    expect(await fixture.store.exists(`${folder}/_SUCCESS`)).toBe(false);
    expect(await fixture.manifest(folder)).toBeUndefined();
    const failed = JSON.parse((await fixture.cli(['status', exportId, '--json'])).stdout);
    expect(failed.state).toBe('failed');
    expect(failed.error).toContain(`bulk-export retry ${exportId}`);

    const retried = await fixture.cli(['retry', exportId]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toMatch(
      new RegExp(`the commit of ${exportId} had failed .*; reading range\\(s\\) [\\d, ]+ again from their checkpoints, then committing`),
    );
    await fixture.waitForCommit(exportId);
    const manifest = (await fixture.manifest(folder))!;
    await expectExact(fixture, manifest);
    await expectOnlyManifestParts(fixture, folder, manifest);
    for (const key of deleted) expect(manifest.parts.map((part) => part.key)).not.toContain(key);
  });

  it('SIGTERM while an upload hangs: the upload is aborted, the worker takes no new job and exits, and no stray part outlives the commit', async () => {
    const { fixture, proxy } = await proxiedFixture('s3-sigterm', { contacts: 6_000 });
    proxy.hold({ method: 'PUT', key: PART_KEY });
    // The commit's manifest PUT is held too, to let the abandoned upload land between the commit's two listings.
    proxy.hold({ method: 'PUT', key: /\/_manifest\.json$/ });
    // Only an abort can end the leaving worker's upload: its request timeout is long.
    const leaving = await spawnWorker({ ...fixture.env, S3_REQUEST_TIMEOUT_MS: '60000' }, 1);
    fixture.workers.push(leaving);
    const dest = 's3://exports/sigterm-upload';
    const { exportId, result } = await fixture.start(['--dest', dest, '--format', 'ndjson', '--part-rows', '1000', '--range-rows', '2000']);
    expect(result.code, result.stderr).toBe(0);

    const upload = await proxy.nextHeld();
    leaving.child.kill('SIGTERM');
    const [exitCode] = (await once(leaving.child, 'exit')) as [number | null];
    expect(exitCode).toBe(0);
    // The abort reached the PUT itself: its connection closed before the worker deleted the key it had been writing.
    const goneAt = await upload.clientGone;
    const discard = proxy.log.find((entry) => entry.method === 'DELETE' && entry.key === upload.key);
    expect(discard, JSON.stringify(proxy.log)).toBeDefined();
    expect(goneAt).toBeLessThan(discard!.sequence);
    const lines = records(leaving.output());
    const stoppedAt = lines.findIndex((record) => String(record.msg).startsWith('stopping'));
    expect(stoppedAt).toBeGreaterThanOrEqual(0);
    expect(lines.slice(stoppedAt).map((record) => record.msg)).toContain('released range on shutdown');
    expect(
      lines.slice(stoppedAt).filter((record) => record.msg === 'range started'),
      'a range taken after the signal',
    ).toEqual([]);

    const [finishing] = await fixture.startWorkers(1, 2);
    const manifestPut = await proxy.nextHeld();
    // S3 completes the abandoned upload now, after the commit's first listing: a stray part for part-* readers.
    expect(await upload.forward()).toBe(200);
    manifestPut.drop(); // the commit's request times out and is sent again
    await fixture.waitForCommit(exportId);

    const folder = await fixture.folder(dest, exportId);
    const manifest = (await fixture.manifest(folder))!;
    await expectExact(fixture, manifest);
    await expectOnlyManifestParts(fixture, folder, manifest);
    expect(manifest.parts.map((part) => part.key)).not.toContain(upload.key);
    expect(
      records(finishing!.output()).find((record) => record.msg?.startsWith('removed part objects that appeared while committing')),
    ).toMatchObject({
      strays: [upload.key],
    });
    // Nothing reached S3 after _SUCCESS.
    const success = proxy.log.find((entry) => entry.method === 'PUT' && entry.key.endsWith('/_SUCCESS'))!;
    expect(success).toBeDefined();
    expect(proxy.log.filter((entry) => entry.sequence > success.sequence && entry.method === 'PUT')).toEqual([]);
  });

  it('SIGTERM while a commit waits for S3: the commit is handed back at once and another worker commits', async () => {
    const { fixture, proxy } = await proxiedFixture('s3-commit-stop', { contacts: 3_000 });
    proxy.hold({ method: 'PUT', key: /\/_manifest\.json$/ });
    const leaving = await spawnWorker({ ...fixture.env, S3_REQUEST_TIMEOUT_MS: '60000' }, 2);
    fixture.workers.push(leaving);
    const dest = 's3://exports/commit-stop';
    const { exportId, result } = await fixture.start(['--dest', dest, '--format', 'ndjson', '--range-rows', '1000']);
    expect(result.code, result.stderr).toBe(0);

    const manifestPut = await proxy.nextHeld();
    leaving.child.kill('SIGTERM');
    const [exitCode] = (await once(leaving.child, 'exit')) as [number | null];
    expect(exitCode).toBe(0);
    await manifestPut.clientGone; // aborted with the commit, not timed out (the timeout is a minute)
    expect(records(leaving.output()).map((record) => record.msg)).toContain('released commit on shutdown');
    const folder = await fixture.folder(dest, exportId);
    expect(await fixture.store.exists(`${folder}/_SUCCESS`)).toBe(false);

    await fixture.startWorkers(1, 2);
    await fixture.waitForCommit(exportId);
    const manifest = (await fixture.manifest(folder))!;
    await expectExact(fixture, manifest);
    await expectOnlyManifestParts(fixture, folder, manifest);
  });

  it('an S3 outage far longer than a request retries for: the ranges wait, spend no attempt, and the export completes exactly', async () => {
    const { fixture, proxy } = await proxiedFixture('s3-outage', { contacts: 8_000, faults: { latencyMs: 40 } });
    const [worker] = await fixture.startWorkers(1, 2);
    const dest = 's3://exports/outage';
    const { exportId, result } = await fixture.start([
      '--dest',
      dest,
      '--format',
      'parquet',
      '--part-rows',
      '1000',
      '--range-rows',
      '2000',
      '--page-size',
      '250',
    ]);
    expect(result.code, result.stderr).toBe(0);
    await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 2);

    proxy.startOutage();
    // A request gives up after S3_MAX_ATTEMPTS (3) refused connections, within about half a second; the outage
    // lasts until a range's requests gave up three times over (waits of 250, 500, 1000 ms), and the range waited each time.
    const outageWait = (record: LogRecord) => record.msg === 'S3 unavailable; waiting before trying again';
    await loggedLines(worker!, (record) => outageWait(record) && record.waitMs === 1000, 1);
    // `status` says the export still runs, and which range waits for S3 and why.
    const status = JSON.parse((await fixture.cli(['status', exportId, '--json'])).stdout);
    expect(status.state).toBe('running');
    expect(status.retrying).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ service: 's3', message: expect.stringMatching(/^S3 .*PutObject of s3:\/\/exports\/outage\//) }),
      ]),
    );
    proxy.endOutage();
    await fixture.waitForCommit(exportId);

    const folder = await fixture.folder(dest, exportId);
    const manifest = (await fixture.manifest(folder))!;
    await expectExact(fixture, manifest);
    await expectOnlyManifestParts(fixture, folder, manifest);
    const waited = records(worker!.output()).filter(outageWait);
    expect(waited[0]).toMatchObject({ exportId, s3: { operation: 'PutObject', bucket: 'exports', endpoint: proxy.endpoint }, waitMs: 250 });
    expect(proxy.refusedConnections).toBeGreaterThanOrEqual(9);
    const connection = createRedisConnection(fixture.redisUrl, 'test-outage');
    const queue = new Queue(RANGE_QUEUE, { connection, prefix: fixture.prefix });
    try {
      const jobs = await queue.getJobs(['completed']);
      expect(jobs.length).toBe(manifest.ranges);
      for (const job of jobs) expect(job.attemptsMade, job.id).toBe(1);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('a commit that S3 refused fails for good with an S3 message, and retry reports it and commits', async () => {
    const { fixture, proxy } = await proxiedFixture('s3-commit', { contacts: 3_000 });
    proxy.fail({ method: 'PUT', key: /\/_manifest\.json$/, status: 403 });
    await fixture.startWorkers(1, 2);
    const dest = 's3://exports/commit-refused';
    const { exportId, result } = await fixture.start(['--dest', dest, '--format', 'ndjson', '--range-rows', '1000']);
    expect(result.code, result.stderr).toBe(0);
    const failure = await fixture.waitForCommit(exportId).then(
      () => undefined,
      (error: unknown) => error as Error,
    );
    expect(failure?.message).toMatch(
      /S3 PutObject of s3:\/\/exports\/.*_manifest\.json at http:\/\/127\.0\.0\.1:\d+ failed after 1 attempt \(last: HTTP 403 AccessDenied/,
    );
    expect(failure?.message).toContain('AWS_ACCESS_KEY_ID');
    const folder = await fixture.folder(dest, exportId);
    expect(await fixture.store.exists(`${folder}/_SUCCESS`)).toBe(false);

    proxy.stopFailing();
    const retried = await fixture.cli(['retry', exportId]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toContain(`the commit of ${exportId} had failed (S3 PutObject`);
    expect(retried.stdout).toContain('retrying the commit');
    await fixture.waitForCommit(exportId);
    await expectExact(fixture, (await fixture.manifest(folder))!);
  });

  it('a command against a Redis that does not answer says which Redis, without its password, and what to do', async () => {
    const port = await closedPort();
    const { fixture } = await proxiedFixture('redis-down', { contacts: 10 });
    const outcome = await fixture.cli(['status', 'exp-20261122t214501-3f9a1c'], { REDIS_URL: `redis://:hunter2-secret@127.0.0.1:${port}` });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain(`error: Redis at redis://:***@127.0.0.1:${port} did not answer (connect ECONNREFUSED 127.0.0.1:${port})`);
    expect(outcome.stderr).toContain('Check REDIS_URL');
    expect(outcome.stderr).not.toContain('hunter2-secret');
    expect(outcome.stderr).not.toMatch(/max retries per request/i);
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Resolves once the worker's log holds `count` lines matching `predicate` (as they are written, no polling). */
async function loggedLines(worker: WorkerProcess, predicate: (record: LogRecord) => boolean, count: number): Promise<LogRecord[]> {
  for (;;) {
    const matching = records(worker.output()).filter(predicate);
    if (matching.length >= count) return matching;
    await once(worker.child.stderr!, 'data');
  }
}
