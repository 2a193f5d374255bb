import { afterEach, describe, expect, it } from 'vitest';
import { Queue, Worker } from '../../src/queue/bullmq.js';
import { handOverDeadWorkers, type HandedOverJob } from '../../src/queue/dead-worker-handover.js';
import { FleetRoster, PRESUMED_DEAD_AFTER_MS, type RosterEntry } from '../../src/queue/fleet-roster.js';
import { redisForTests } from '../support/redis-for-tests.js';

const context = redisForTests('handover');

/**
 * Jobs taken with chosen lock tokens through BullMQ's manual fetch (`getNextJob(token)`), as the BullMQ
 * worker of a roster entry would hold them, and roster entries written with chosen beat times: what a
 * SIGKILLed worker leaves behind, without a process to kill.
 */
describe('handing on the jobs of workers presumed dead', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
    await context.redis.del(`${context.prefix}:fleet`);
  });

  let queueNumber = 0;
  async function queueWithActiveJobs(tokens: string[]): Promise<Queue> {
    const name = `q${(queueNumber += 1)}`;
    const queue = new Queue(name, { connection: context.redis, prefix: context.prefix });
    closers.push(() => queue.close());
    const fetcher = new Worker(name, null, {
      connection: context.redis.duplicate({ maxRetriesPerRequest: null }),
      prefix: context.prefix,
      lockDuration: 60_000,
    });
    closers.push(() => fetcher.close());
    for (const [index, token] of tokens.entries()) {
      await queue.add('job', { index });
      const job = await fetcher.getNextJob(token);
      expect(job?.data).toEqual({ index });
    }
    return queue;
  }

  async function writeEntry(workerId: string, silentForMs: number, lockOwners: string[]): Promise<string> {
    const [seconds, micros] = await context.redis.time();
    const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const entry: RosterEntry = { concurrency: 2, at: now - silentForMs, lockOwners };
    await context.redis.hset(`${context.prefix}:fleet`, workerId, JSON.stringify(entry));
    return JSON.stringify(entry);
  }

  const roster = () => new FleetRoster(context.redis, context.prefix);
  /** The workers a beat of `self` finds silent, and hands on through `redis`. */
  async function handOverAs(self: string, queue: Queue, redis = context.redis): Promise<HandedOverJob[]> {
    const own = new FleetRoster(redis, context.prefix);
    const { silent } = await own.beat(self, 1, [`bullmq-of-${self}`]);
    return handOverDeadWorkers(silent, self, { roster: own, redis, queues: [queue] });
  }

  it('moves back to waiting exactly the jobs whose locks a silent worker holds, and forgets that worker', async () => {
    await writeEntry('dead-host:1', PRESUMED_DEAD_AFTER_MS + 2_000, ['bullmq-dead-a', 'bullmq-dead-b']);
    await writeEntry('live-host:2', 0, ['bullmq-live']);
    const queue = await queueWithActiveJobs(['bullmq-dead-a:0', 'bullmq-live:0', 'bullmq-dead-b:7']);

    const handed = await handOverAs('live-host:2', queue);

    const byIndex = (a: { index: number }, b: { index: number }) => a.index - b.index;
    expect(handed.map((job) => job.workerId)).toEqual(['dead-host:1', 'dead-host:1']);
    expect(handed.map((job) => job.data as { index: number }).sort(byIndex)).toEqual([{ index: 0 }, { index: 2 }]);
    expect((await queue.getWaiting()).map((job) => job.data as { index: number }).sort(byIndex)).toEqual([{ index: 0 }, { index: 2 }]);
    const active = await queue.getActive();
    expect(active.map((job) => job.data)).toEqual([{ index: 1 }]);
    expect(await context.redis.get(`${queue.toKey(active[0]!.id!)}:lock`)).toBe('bullmq-live:0');
    expect(Object.keys(await context.redis.hgetall(`${context.prefix}:fleet`)).sort()).toEqual(['live-host:2']);
    expect(await roster().slots(), 'the live worker, beating with 1 slot').toBe(1);
  });

  it('leaves alone its own jobs, and those of workers that beat within the presumed-dead time', async () => {
    await writeEntry('self:1', PRESUMED_DEAD_AFTER_MS + 5_000, ['bullmq-self']);
    await writeEntry('slow:2', PRESUMED_DEAD_AFTER_MS - 600, ['bullmq-slow']);
    const queue = await queueWithActiveJobs(['bullmq-self:0', 'bullmq-slow:0']);

    // The roster as another worker's beat read it: `self:1` silent (its own event loop was held, say).
    const { silent } = await roster().beat('observer:3', 1, ['bullmq-observer']);
    expect(silent.map((worker) => worker.workerId)).toEqual(['self:1']);

    expect(await handOverDeadWorkers(silent, 'self:1', { roster: roster(), redis: context.redis, queues: [queue] })).toEqual([]);
    expect(await handOverAs('observer:3', queue), 'the slow worker is not silent yet').toHaveLength(1);
    expect((await queue.getActive()).map((job) => job.data)).toEqual([{ index: 1 }]);
  });

  it('hands each job on once when two workers look at the same time', async () => {
    await writeEntry('dead-host:3', PRESUMED_DEAD_AFTER_MS + 2_000, ['bullmq-gone']);
    const queue = await queueWithActiveJobs(['bullmq-gone:0', 'bullmq-gone:1', 'bullmq-gone:2']);

    const other = context.redis.duplicate();
    closers.push(async () => other.disconnect());
    const [first, second] = await Promise.all([handOverAs('a', queue), handOverAs('b', queue, other)]);

    expect(first.length + second.length).toBe(3);
    expect(await queue.getWaitingCount()).toBe(3);
    expect(await queue.getActiveCount()).toBe(0);
  });

  it('keeps the roster entry of a worker that beat again while its silence was being read', async () => {
    const stored = await writeEntry('back:4', PRESUMED_DEAD_AFTER_MS + 2_000, ['bullmq-back']);
    const {
      silent: [silent],
    } = await roster().beat('observer:5', 1, ['bullmq-observer']);
    expect(silent?.stored).toBe(stored);
    await roster().beat('back:4', 3, ['bullmq-back']);

    await roster().forget(silent!);

    expect(await roster().slots()).toBe(3 + 1);
  });
});
