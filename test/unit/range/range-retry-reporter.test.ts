import { describe, expect, it } from 'vitest';
import { RangeRetryNotes } from '../../../src/queue/range-retry-notes.js';
import { RangeRetryReporter } from '../../../src/queue/range/range-retry-reporter.js';
import { redisForTests } from '../../support/redis-for-tests.js';

describe('RangeRetryReporter', () => {
  const shared = redisForTests('retry-reporter');

  it('says each retry in the job log and to status, and clears the note once the range moves on', async () => {
    const notes = new RangeRetryNotes(shared.redis, shared.prefix);
    const jobLog: string[] = [];
    const reporter = new RangeRetryReporter(notes, async (line) => jobLog.push(line), 'exp-1', 3);
    reporter.retrying('api', 'GET /contacts failed (503); try 2 of 8 in 1 s');
    reporter.retrying('s3', 'PutObject did not answer; try 2 of 5');
    await reporter.movedOn();
    expect(jobLog).toEqual(['GET /contacts failed (503); try 2 of 8 in 1 s', 'PutObject did not answer; try 2 of 5']);
    expect(await notes.list('exp-1')).toEqual([]);

    reporter.retrying('api', 'GET /contacts failed (502); try 2 of 8 in 1 s');
    // The record is sent before the list on the same connection, so it is there.
    const listed = await notes.list('exp-1');
    expect(listed.map((note) => [note.rangeIndex, note.service, note.message])).toEqual([
      [3, 'api', 'GET /contacts failed (502); try 2 of 8 in 1 s'],
    ]);
    await reporter.movedOn();
    expect(await notes.list('exp-1')).toEqual([]);
  });

  it('sends nothing to Redis while the range moves on without retries, and a failing job log never fails the range', async () => {
    let clears = 0;
    const notes = { record: async () => undefined, clear: async () => void (clears += 1) };
    const reporter = new RangeRetryReporter(notes, () => Promise.reject(new Error('job gone')), 'exp-2', 0);
    await reporter.movedOn();
    expect(clears).toBe(0);
    reporter.retrying('s3', 'x');
    await reporter.movedOn();
    await reporter.movedOn();
    expect(clears).toBe(1);
  });
});
