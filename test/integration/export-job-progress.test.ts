import { afterEach, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from '../../src/queue/bullmq.js';
import { Redis } from 'ioredis';
import type { ExportJobProgress } from '../../src/queue/export-job-progress.js';
import { readExportStatus, type ExportStatus } from '../../src/queue/export-status.js';
import { EXPORT_QUEUE } from '../../src/queue/queue-names.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';
import { ExportFixture } from '../support/export-fixture.js';
import { waitForCommittedParts, waitForSplits } from '../support/progress-events.js';

const TOKEN = 'export-job-progress-token-5d2e81';

/** Resolves with the first progress the export's own job reports that `accept` takes (an event, not a poll). */
async function exportProgressWhere(
  redisUrl: string,
  prefix: string,
  exportId: string,
  accept: (progress: ExportJobProgress) => boolean,
): Promise<{ first: Promise<ExportJobProgress>; close: () => Promise<void> }> {
  const connection = createRedisConnection(redisUrl, 'test-export-progress');
  const events = new QueueEvents(EXPORT_QUEUE, { connection, prefix });
  const first = new Promise<ExportJobProgress>((resolve) => {
    events.on('progress', ({ jobId, data }) => {
      if (jobId === exportId && accept(data as ExportJobProgress)) resolve(data as ExportJobProgress);
    });
  });
  await events.waitUntilReady();
  return {
    first,
    close: async () => {
      await events.close();
      connection.disconnect();
    },
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The figures the export job's progress and `status` both show. */
function figuresOf(progress: ExportJobProgress) {
  return { state: progress.state, rows: progress.rows, plannedRows: progress.plannedRows, parts: progress.parts, ranges: progress.ranges };
}

function statusFigures(status: ExportStatus) {
  return {
    state: status.state,
    rows: status.rows,
    plannedRows: status.plannedRows,
    parts: status.parts,
    ranges: { done: status.ranges.done, total: status.ranges.total, failed: status.ranges.failed.length },
  };
}

/**
 * The export's own job (the flow's parent in the export queue) carries what `status` shows, kept current
 * by the workers while the ranges run, through splits, a pause and the commit, and a log of the plan, each
 * split and the commit.
 */
describe('the export job shows the export', () => {
  let fixture: ExportFixture | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it('has the progress status computes, during the run and after the commit, and logs the plan, the splits and the commit', async () => {
    fixture = await ExportFixture.create('export-job-progress', { contacts: 12_000, seed: 5, token: TOKEN, faults: { latencyMs: 100 } });
    const redis = new Redis(fixture.redisUrl);
    const exports = new Queue(EXPORT_QUEUE, { connection: redis, prefix: fixture.prefix });
    try {
      // One slot in the fleet: one range is planned; workers that join split it.
      await fixture.startWorkers(1, 1);
      const dest = 's3://exports/export-job-progress';
      const { exportId, result } = await fixture.start(['--dest', dest, '--format', 'ndjson', '--page-size', '100', '--part-rows', '1000']);
      expect(result.code, result.stderr).toBe(0);

      // Planned and enqueued: the job's first progress (0 rows) and its plan, before any part.
      const planned = (await readExportStatus(redis, fixture.prefix, exportId))!;
      const count = (value: number) => value.toLocaleString('en-US');
      const enqueued = (await exports.getJob(exportId))!;
      expect(enqueued.progress).toMatchObject({ state: 'running', plannedRows: planned.plannedRows, ranges: { total: 1 }, splits: 0 });
      const planLog = (await exports.getJobLogs(exportId)).logs;
      expect(planLog).toHaveLength(1);
      expect(planLog[0]).toMatch(
        new RegExp(
          `^\\S+Z planned: 1 range\\(s\\) over ids, about ${count(planned.plannedRows)} rows, about ${count(Math.floor(planned.plannedRows / 100) + 1)} requests ` +
            'of up to 100 records \\(after \\d+ for validation and planning\\); one range per worker slot \\(1 in the fleet\\); ' +
            `running ranges are split for free slots, up to ${Math.floor(planned.plannedRows / 4000)} ranges in all$`,
        ),
      );

      await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 1);
      const split = await exportProgressWhere(fixture.redisUrl, fixture.prefix, exportId, (progress) => progress.splits >= 1 && progress.rows > 0);
      const firstSplit = waitForSplits(fixture.redisUrl, fixture.prefix, exportId, 1, 1);
      await fixture.startWorkers(1, 2);
      await firstSplit;
      // The split reaches the export job's progress, with a measured rate and the time left.
      const running = await split.first;
      await split.close();
      expect(running.state).toBe('running');
      expect(running.ranges.total).toBe(1 + running.splits);
      expect(running.rowsPerSecond).toBeGreaterThan(0);
      expect(running.etaSeconds).not.toBeNull();
      expect(running.progress).toBe(Math.floor((running.rows / running.plannedRows) * 100));

      // Paused, with every worker stopped one after the other: nothing changes any more, and the job says what status says.
      expect((await fixture.cli(['pause', exportId])).code).toBe(0);
      for (const worker of fixture.workers.splice(0)) await worker.stop();
      const paused = await readExportStatus(redis, fixture.prefix, exportId);
      expect(paused!.state).toBe('paused');
      const pausedProgress = (await exports.getJob(exportId))!.progress as ExportJobProgress;
      expect(figuresOf(pausedProgress)).toEqual(statusFigures(paused!));
      expect(pausedProgress.splits).toBe(paused!.ranges.total - 1);
      expect(await exports.getJobState(exportId)).toBe('waiting-children');

      // Resumed to the end: the commit's own update is the last, and equals status after the commit.
      const settled = await exportProgressWhere(fixture.redisUrl, fixture.prefix, exportId, (progress) => progress.state === 'committed');
      expect((await fixture.cli(['resume', exportId])).code).toBe(0);
      await fixture.startWorkers(2, 2);
      await fixture.waitForCommit(exportId);
      const committedEvent = await settled.first;
      await settled.close();
      const committed = (await readExportStatus(redis, fixture.prefix, exportId))!;
      const final = (await exports.getJob(exportId))!.progress as ExportJobProgress;
      expect(figuresOf(final)).toEqual(statusFigures(committed));
      expect(figuresOf(committedEvent)).toEqual(statusFigures(committed));
      const rows = fixture.simulator.expectedIds({ includeArchived: true }).length;
      const seconds = (Date.parse(committed.finishedAt!) - Date.parse(committed.createdAt)) / 1000;
      expect(final).toMatchObject({
        progress: 100,
        state: 'committed',
        rows,
        splits: committed.ranges.total - 1,
        etaSeconds: 0,
        rowsPerSecond: Math.round((rows / seconds) * 10) / 10,
      });
      expect(final.splits).toBeGreaterThanOrEqual(1);

      // The log: the plan, each split (which range, from which, where, rows each side), the commit's start and outcome.
      const { logs } = await exports.getJobLogs(exportId);
      expect(logs[0]).toBe(planLog[0]);
      const splits = logs.filter((line) => line.includes(' split: '));
      expect(splits).toHaveLength(final.splits);
      for (const line of splits) {
        expect(line).toMatch(
          /^\S+Z split: range (\d+) split off range \d+ at key \d+: range \d+ keeps ids \(\S+, \d+\] \(about [\d,]+ rows to go\), range \1 takes ids \(\d+, \S+\] \(about [\d,]+ rows\)$/,
        );
      }
      const manifestKey = `${await fixture.folder(dest, exportId)}/_manifest.json`;
      expect(logs.slice(-2)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^\\S+Z commit started \\(attempt 1\\): ${committed.ranges.total} ranges done, ${count(rows)} rows in ${committed.parts} parts$`,
          ),
        ),
        expect.stringMatching(
          new RegExp(`^\\S+Z committed: ${count(rows)} rows in ${committed.parts} parts, manifest s3://exports/${escapeRegExp(manifestKey)}$`),
        ),
      ]);
      expect(JSON.stringify({ logs, final })).not.toContain(TOKEN);
    } finally {
      await exports.close();
      redis.disconnect();
    }
  });
});
