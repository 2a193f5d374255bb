import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from '../../src/queue/bullmq.js';
import { Redis } from 'ioredis';
import { EXPORT_QUEUE, SCHEDULE_QUEUE } from '../../src/queue/queue-names.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';
import { BUCKET, ExportFixture } from '../support/export-fixture.js';

const CONTACTS = 3000;

/**
 * Incremental and targeted Virtuous exports end to end: one worker process, a 3,000-contact simulator,
 * Parquet read back by DuckDB.
 */
describe('incremental and targeted Virtuous exports', () => {
  let fixture: ExportFixture;

  beforeAll(async () => {
    fixture = await ExportFixture.create('incremental', { contacts: CONTACTS, seed: 11 });
    await fixture.startWorkers(1, 3);
  });

  afterAll(() => fixture?.close());

  it('exports exactly the contacts with a tag (--where), with ranges counted on the filtered query', async () => {
    const sim = fixture.simulator;
    const tagged = sim.expectedIds({ includeArchived: true }).filter((id) => sim.fullContact(id)!.tags.includes('Major Donor'));
    expect(tagged.length).toBeGreaterThan(100);
    const target = `s3://${BUCKET}/tagged`;
    const { exportId, result } = await fixture.start(['--dest', target, '--where', 'Tag IsAnyOf "Major Donor"', '--range-rows', '150', '--wait']);
    expect(result.code, result.stderr).toBe(0);
    const manifest = (await fixture.manifest(await fixture.folder(target, exportId)))!;
    expect(manifest.ranges).toBeGreaterThan(1);
    const ids = await fixture.idsInParts(manifest);
    expect(ids.map((row) => row.id)).toEqual(tagged);
    expect(ids.every((row) => row.n === 1)).toBe(true);
    // Balanced: no range holds more than 1.5 x the target, as planned on the filtered counts.
    const perRange = new Map<number, number>();
    for (const part of manifest.parts) perRange.set(part.rangeIndex, (perRange.get(part.rangeIndex) ?? 0) + part.rows);
    expect(Math.max(...perRange.values())).toBeLessThanOrEqual(225);
  });

  it('refuses a misspelled parameter before anything is enqueued, naming the right one', async () => {
    const redis = new Redis(fixture.redisUrl);
    try {
      // Export ids with any key (queues, registry, checkpoints) and the incremental/watermark keys; the workers' own
      // housekeeping keys (stalled-check) come and go.
      const exportState = async () =>
        [
          ...new Set(
            (await redis.keys(`${fixture.prefix}:*`)).flatMap(
              (key) => key.match(/exp-\d{8}t\d{6}-[0-9a-f]{6}|:(?:incremental|watermark):.*$/g) ?? [],
            ),
          ),
        ].sort();
      const before = await exportState();
      const refused = await fixture.start(['--dest', `s3://${BUCKET}/refused`, '--where', 'Tga IsAnyOf Major Donor']);
      expect(refused.result.code).toBe(2);
      expect(refused.result.stderr).toMatch(/unknown parameter "Tga".*did you mean "Tag"\?/);
      expect(refused.result.stdout).toBe('');
      expect(await exportState()).toEqual(before);
      expect(await fixture.store.list('refused/')).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('runs scheduled incremental exports back to back, then stops when unscheduled', async () => {
    const connection = createRedisConnection(fixture.redisUrl, 'test-schedule');
    const eventsConnection = createRedisConnection(fixture.redisUrl, 'test-schedule-events');
    const events = new QueueEvents(EXPORT_QUEUE, { connection: eventsConnection, prefix: fixture.prefix });
    const committed: string[] = [];
    const twoRuns = new Promise<void>((resolve, reject) => {
      events.on('completed', ({ jobId }) => {
        committed.push(jobId);
        if (committed.length === 2) resolve();
      });
      events.on('failed', ({ jobId, failedReason }) => reject(new Error(`export ${jobId} failed: ${failedReason}`)));
    });
    twoRuns.catch(() => undefined); // awaited below; a failure before then must not count as unhandled
    await events.waitUntilReady();
    try {
      const target = `s3://${BUCKET}/scheduled`;
      const scheduled = await fixture.cli([
        'schedule',
        '--every',
        '2s',
        '--name',
        'nightly',
        '--source',
        'virtuous',
        '--dest',
        target,
        '--format',
        'ndjson',
      ]);
      expect(scheduled.code, scheduled.stderr).toBe(0);
      expect(scheduled.stdout).toMatch(/scheduled nightly: incremental virtuous export to s3:\/\/exports\/scheduled every 2s/);
      const listed = await fixture.cli(['schedules', '--json']);
      expect(JSON.parse(listed.stdout)).toMatchObject([{ name: 'nightly', every: 2000, source: 'virtuous', destination: target }]);

      // The scheduler's job data holds the options, never the credential.
      const queue = new Queue(SCHEDULE_QUEUE, { connection, prefix: fixture.prefix });
      const scheduler = await queue.getJobScheduler('nightly');
      await queue.close();
      expect(JSON.stringify(scheduler)).toContain('"incremental":true');
      expect(JSON.stringify(scheduler)).not.toContain(fixture.simulator.token);

      await twoRuns;
      const removed = await fixture.cli(['unschedule', 'nightly']);
      expect(removed.code, removed.stderr).toBe(0);
      expect((await fixture.cli(['schedules'])).stdout).toMatch(/no schedules/);

      const [firstRun, secondRun] = await Promise.all(committed.map(async (exportId) => fixture.manifest(await fixture.folder(target, exportId))));
      expect(firstRun!.incremental).toMatchObject({ fullLoad: true });
      expect(firstRun!.rows).toBe(fixture.simulator.expectedIds({ includeArchived: true }).length);
      expect(secondRun!.incremental).toMatchObject({ fullLoad: false, previousExportId: committed[0] });
      expect(secondRun!.rows).toBe(0);
      expect(await fixture.store.exists(`${await fixture.folder(target, committed[1]!)}/_SUCCESS`)).toBe(true);
      // A tick that came while a run was still going was skipped, never started a second run beside it.
      const log = fixture.workers[0]!.output();
      expect(log).toContain('scheduled incremental export started');
      expect(log).not.toContain('"level":50');
    } finally {
      await events.close();
      eventsConnection.disconnect();
      connection.disconnect();
      await fixture.cli(['unschedule', 'nightly']);
    }
  });
});
