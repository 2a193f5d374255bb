import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from '../../src/queue/bullmq.js';
import { RANGE_QUEUE } from '../../src/queue/queue-names.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';
import { rangeJobId } from '../../src/queue/range-job.js';
import { ExportFixture } from '../support/export-fixture.js';

/**
 * One fleet, two accounts: a large export whose account spends its API window gives its worker slots back
 * until the window resets, so that a small export of another account, started after it, is read while the
 * large one waits; then the large one resumes from its checkpoints and commits exactly.
 */
/** A CREDENTIALS_DIR with the Virtuous accounts `large` and `small`, their tokens ending in `suffix`. */
async function twoAccounts(label: string, suffix: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), `${label}-`));
  await mkdir(join(directory, 'virtuous'));
  await writeFile(join(directory, 'virtuous', 'large'), `large-token-${suffix}`);
  await writeFile(join(directory, 'virtuous', 'small'), `small-token-${suffix}`);
  return directory;
}

describe('fair sharing of worker slots between accounts', () => {
  let fixture: ExportFixture | undefined;
  let credentials: string | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
    if (credentials) await rm(credentials, { recursive: true, force: true });
  });

  it("gives a spent account's slots to another account's export until its window resets", { timeout: 120_000 }, async () => {
    credentials = await twoAccounts('fair', '0001');
    fixture = await ExportFixture.create(
      'fair',
      {
        contacts: 50,
        seed: 8,
        organizations: [
          // Its window allows about half of what the export needs: planning and a few pages, then a wait for the reset.
          { name: 'large', tokens: ['large-token-0001'], contacts: 800, rateLimit: { limit: 8, windowMs: 12_000 } },
          { name: 'small', tokens: ['small-token-0001'], contacts: 300 },
        ],
      },
      { env: { CREDENTIALS_DIR: credentials, BUDGET_YIELD_AFTER_MS: '300' } },
    );
    const f = fixture;
    // One worker with two slots: without giving slots back, the large export's two ranges would hold both.
    await f.startWorkers(1, 2);
    const connection = createRedisConnection(f.redisUrl, 'fair-events');
    const events = new QueueEvents(RANGE_QUEUE, { connection, prefix: f.prefix });
    const ranges = new Queue(RANGE_QUEUE, { connection: createRedisConnection(f.redisUrl, 'fair-queue'), prefix: f.prefix });
    try {
      // Listening before the start: a range may give its slot back before `start` has returned.
      const delayed = new Set<string>();
      let delayedChanged = () => {};
      events.on('delayed', ({ jobId }) => {
        delayed.add(jobId);
        delayedChanged();
      });
      await events.waitUntilReady();
      const large = await f.start([
        '--dest',
        's3://exports/large',
        '--account',
        'large',
        '--page-size',
        '100',
        '--part-rows',
        '200',
        '--range-rows',
        '400',
      ]);
      expect(large.result.code, large.result.stderr).toBe(0);
      const planned = JSON.parse((await f.cli(['status', large.exportId, '--json'])).stdout) as { ranges: { total: number } };
      expect(planned.ranges.total).toBe(2);
      const rangeIds = [rangeJobId(large.exportId, 0), rangeJobId(large.exportId, 1)];
      // Both of the large export's ranges give their slots back once its window is spent.
      await new Promise<void>((resolve) => {
        delayedChanged = () => {
          if (rangeIds.every((id) => delayed.has(id))) resolve();
        };
        delayedChanged();
      });

      const small = await f.start(['--dest', 's3://exports/small', '--account', 'small', '--page-size', '100', '--wait']);
      expect(small.result.code, small.result.stderr).toBe(0);
      // The small export was read and committed while the large one's ranges waited, delayed, for their window.
      const states = await Promise.all(rangeIds.map(async (id) => (await ranges.getJob(id))?.getState()));
      expect(states).toEqual(['delayed', 'delayed']);
      const smallIds = await f.exportedIds('s3://exports/small', small.exportId);
      expect(smallIds.map((row) => row.id)).toEqual(f.simulator.organization('small').expectedIds({ includeArchived: true }));

      // The large export resumes from its checkpoints after the reset: every contact once, no attempt spent on waiting.
      await f.waitForCommit(large.exportId);
      const largeIds = await f.exportedIds('s3://exports/large', large.exportId);
      expect(largeIds.filter((row) => row.n !== 1)).toEqual([]);
      expect(largeIds.map((row) => row.id)).toEqual(f.simulator.organization('large').expectedIds({ includeArchived: true }));
      for (const id of rangeIds) {
        const job = await ranges.getJob(id);
        // The attempt that completed it, and none for giving the slot back.
        expect(job?.attemptsMade, id).toBe(1);
        expect((await ranges.getJobLogs(id)).logs.join('\n'), id).toMatch(/budget spent: slot given back until/);
      }
      expect(f.simulator.organization('large').stats.byStatus[429] ?? 0).toBe(0);
    } finally {
      await events.close();
      await ranges.close();
      connection.disconnect();
    }
  });

  it("gives a running export's slots to the first ranges of an export started after it, and takes them back", { timeout: 120_000 }, async () => {
    credentials = await twoAccounts('turns', '0002');
    fixture = await ExportFixture.create(
      'turns',
      {
        contacts: 50,
        seed: 9,
        // Pages slow enough that the large export is still reading when the small one commits.
        faults: { latencyMs: [60, 80], seed: 4 },
        organizations: [
          { name: 'large', tokens: ['large-token-0002'], contacts: 20_000 },
          { name: 'small', tokens: ['small-token-0002'], contacts: 300 },
        ],
      },
      { env: { CREDENTIALS_DIR: credentials } },
    );
    const f = fixture;
    // One worker with two slots, both taken by the large export's ranges (turns 1 and 2).
    await f.startWorkers(1, 2);
    const ranges = new Queue(RANGE_QUEUE, { connection: createRedisConnection(f.redisUrl, 'turns-queue'), prefix: f.prefix });
    try {
      const large = await f.start(['--dest', 's3://exports/large', '--account', 'large', '--page-size', '100', '--part-rows', '500']);
      expect(large.result.code, large.result.stderr).toBe(0);
      const small = await f.start(['--dest', 's3://exports/small', '--account', 'small', '--page-size', '100', '--wait']);
      expect(small.result.code, small.result.stderr).toBe(0);
      // The small export's first range (turn 1) took the slot of the large export's second (turn 2), which
      // wrote what it had read and waited for its turn; the large export was still reading.
      const status = JSON.parse((await f.cli(['status', large.exportId, '--json'])).stdout) as { state: string };
      expect(status.state).toBe('running');
      const yielded = await Promise.all([0, 1].map(async (index) => (await ranges.getJobLogs(rangeJobId(large.exportId, index))).logs.join('\n')));
      expect(yielded[0], 'turn 1 keeps its slot').not.toMatch(/slot given to an earlier turn/);
      expect(yielded[1]).toMatch(/slot given to an earlier turn/);
      const smallIds = await f.exportedIds('s3://exports/small', small.exportId);
      expect(smallIds.map((row) => row.id)).toEqual(f.simulator.organization('small').expectedIds({ includeArchived: true }));

      // The large export goes on with both slots and commits exactly: nothing read before giving way is lost or repeated.
      await f.waitForCommit(large.exportId);
      const largeIds = await f.exportedIds('s3://exports/large', large.exportId);
      expect(largeIds.filter((row) => row.n !== 1)).toEqual([]);
      expect(largeIds.map((row) => row.id)).toEqual(f.simulator.organization('large').expectedIds({ includeArchived: true }));
    } finally {
      await ranges.close();
    }
  });
});
