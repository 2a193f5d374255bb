import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from '../../src/queue/bullmq.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';
import { SupervisedWorker } from '../../src/worker/supervised-worker.js';
import { startPrivateRedisServer, type PrivateRedis } from '../../simulators/local-services/local-redis.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/test-redis.js';

describe('a supervised worker', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });

  it('replaces a BullMQ worker whose fetch loop is stuck (its Redis answers nothing) with one on a new connection, which takes the waiting job', async () => {
    const url = (await testRedis()).url;
    const prefix = uniquePrefix('supervised');
    // The first worker's connection goes to a server that is then stopped (SIGSTOP): its fetch loop waits for
    // ever, silently, as one left on a connection stuck reconnecting does.
    const silent: PrivateRedis = await startPrivateRedisServer();
    const redis = createRedisConnection(url, 'test-supervised');
    const logLines: string[] = [];
    const taken: string[] = [];
    let tookJob: () => void = () => undefined;
    const took = new Promise<void>((resolve) => (tookJob = resolve));
    let connections = 0;
    const worker = new SupervisedWorker<{ n: number }, string>({
      queueName: 'work',
      processor: async (job) => {
        taken.push(job.id!);
        tookJob();
        return 'done';
      },
      workerOptions: { prefix, concurrency: 1 },
      connect: () =>
        connections++ === 0 ? new Redis(silent.url, { maxRetriesPerRequest: null }) : createRedisConnection(url, 'test-supervised-worker'),
      redis,
      logger: pino({ level: 'warn' }, { write: (line: string) => void logLines.push(line) }),
      checkEveryMs: 100,
      patienceMs: 500,
    });
    const queue = new Queue('work', { connection: redis, prefix });
    cleanups.push(async () => {
      silent.process.kill('SIGCONT');
      await worker.close();
      worker.connection.disconnect();
      await queue.close();
      await dropPrefix(url, prefix);
      redis.disconnect();
      await silent.close();
    });
    await worker.waitUntilReady();
    const firstId = worker.id;
    silent.process.kill('SIGSTOP');

    await queue.add('job', { n: 1 }, { jobId: 'waiting-job' });
    await took;

    expect(taken).toEqual(['waiting-job']);
    expect(worker.id).not.toBe(firstId);
    expect(connections).toBe(2);
    const warnings = logLines.map((line) => JSON.parse(line) as { msg: string; queue: string; waiting: number; worker: string });
    expect(warnings).toEqual([
      expect.objectContaining({
        queue: 'work',
        waiting: 1,
        worker: firstId,
        msg: 'jobs wait while this worker takes none: its fetch loop is stuck; replacing the BullMQ worker and its connection',
      }),
    ]);
  });
});
