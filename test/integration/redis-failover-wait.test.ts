import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedisServer, type PrivateRedis } from '../../simulators/local-services/local-redis.js';
import { CLI } from '../support/cli-process.js';
import { BUCKET, ExportFixture } from '../support/export-fixture.js';
import { waitForCommittedParts } from '../support/progress-events.js';
import { startRedisCluster, type TestRedisCluster } from '../support/redis-cluster.js';
import { createCommandConnection } from '../../src/queue/redis-connection.js';
import { EXPORT_QUEUE, RANGE_QUEUE } from '../../src/queue/queue-names.js';

/** A CLI process the test follows while it runs: its output so far, a wait for some output, its exit. */
interface FollowedCli {
  stdout(): string;
  stderr(): string;
  /** Resolves once the stream's output matches `pattern` (an event: the process's own output, no polling). */
  said(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray>;
  exited: Promise<number | null>;
  /** SIGKILLs the process if it still runs. */
  kill(): void;
}

function followCli(args: string[], env: NodeJS.ProcessEnv): FollowedCli {
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  const waiters: { stream: 'stdout' | 'stderr'; pattern: RegExp; resolve: (match: RegExpExecArray) => void }[] = [];
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].on('data', (chunk: Buffer) => {
      output[stream] += chunk.toString();
      for (const waiter of waiters.filter((candidate) => candidate.stream === stream)) {
        const match = waiter.pattern.exec(output[stream]);
        if (match) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(match);
        }
      }
    });
  }
  // 'close', not 'exit': the output is read once the process ended, and at 'exit' the pipes may still hold some.
  const exited = once(child, 'close').then(([code]) => code as number | null);
  return {
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    said: (stream, pattern) =>
      new Promise((resolve, reject) => {
        const match = pattern.exec(output[stream]);
        if (match) return resolve(match);
        waiters.push({ stream, pattern, resolve });
        void exited.then((code) => reject(new Error(`exited with ${code} before its ${stream} matched ${pattern}:\n${output.stderr}`)));
      }),
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** The export's and its ranges' BullMQ state as the cluster holds it now: what a hung wait is waiting on. */
async function queueState(cluster: TestRedisCluster, prefix: string, exportId: string): Promise<string> {
  const redis = createCommandConnection(cluster.settings, 'test-diagnosis');
  try {
    const exportJob = `${prefix}:${EXPORT_QUEUE}:${exportId}`;
    const lines = [
      `export job: ${JSON.stringify(await redis.hgetall(exportJob))}`,
      `export lock: ${await redis.get(`${exportJob}:lock`)}`,
      `export dependencies: ${JSON.stringify(await redis.smembers(`${exportJob}:dependencies`))}`,
      `export processed: ${JSON.stringify(Object.keys(await redis.hgetall(`${exportJob}:processed`)))}`,
    ];
    for (const queue of [EXPORT_QUEUE, RANGE_QUEUE]) {
      const key = (name: string) => `${prefix}:${queue}:${name}`;
      lines.push(
        `${queue}: wait ${JSON.stringify(await redis.lrange(key('wait'), 0, -1))} active ${JSON.stringify(await redis.lrange(key('active'), 0, -1))}` +
          ` prioritized ${JSON.stringify(await redis.zrange(key('prioritized'), 0, -1))} waiting-children ${JSON.stringify(await redis.zrange(key('waiting-children'), 0, -1))}` +
          ` completed ${JSON.stringify(await redis.zrange(key('completed'), 0, -1))} failed ${JSON.stringify(await redis.zrange(key('failed'), 0, -1))}` +
          ` marker ${JSON.stringify(await redis.zrange(key('marker'), 0, -1, 'WITHSCORES'))} meta ${JSON.stringify(await redis.hgetall(key('meta')))}`,
      );
    }
    return lines.join('\n');
  } catch (error) {
    return `could not read the queue state: ${(error as Error).message}`;
  } finally {
    redis.disconnect();
  }
}

/** Every id the simulator holds is in the export's parts exactly once. */
async function expectExactRows(fixture: ExportFixture, dest: string, exportId: string, contacts: number): Promise<void> {
  const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;
  const expected = fixture.simulator.expectedIds({ includeArchived: true });
  expect(expected.length).toBe(contacts);
  expect(manifest.rows).toBe(contacts);
  const ids = await fixture.idsInParts(manifest);
  expect(ids.map((row) => row.id)).toEqual(expected);
  expect(ids.every((row) => row.n === 1)).toBe(true);
}

describe('start --wait through a Redis Cluster failover', () => {
  const CONTACTS = 6_000;
  const STILL_WAITING_AFTER_MS = 70_000;
  let cluster: TestRedisCluster;
  let fixture: ExportFixture;

  beforeAll(async () => {
    cluster = await startRedisCluster(3, { replicas: true });
    fixture = await ExportFixture.create(
      'failover',
      { contacts: CONTACTS, seed: 23, faults: { latencyMs: [20, 60], seed: 5 } },
      {
        redisUrl: `redis://${cluster.nodes[0]!.host}:${cluster.nodes[0]!.port}`,
        // Workers hand on the ranges whose locks lapsed during the failover quickly.
        env: { ...cluster.env, WORKER_LOCK_DURATION_MS: '3000', WORKER_STALLED_INTERVAL_MS: '1500' },
      },
    );
  });

  afterAll(async () => {
    // Not fixture.close(): it drops the prefix through one node, which may be the master this test killed;
    // the cluster and its keys go away with its servers.
    // Workers the stop test below left running (it failed) are SIGKILLed: the cluster goes next.
    await Promise.all(
      fixture?.workers.map(async (worker) => {
        if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
        worker.child.kill('SIGKILL');
        await once(worker.child, 'exit');
      }) ?? [],
    );
    await fixture?.simulator.close();
    await fixture?.s3.close();
    await cluster?.close();
  });

  it(
    'rides through the death of the master holding the exporter slot: exit 0, the commit reported, every row exact',
    { timeout: 90_000 },
    async () => {
      await fixture.startWorkers(2, 2);
      const dest = `s3://${BUCKET}/failover`;
      const start = followCli(
        [
          'start',
          '--source',
          'virtuous',
          '--dest',
          dest,
          '--format',
          'parquet',
          '--rate-limit',
          '20/1s',
          '--page-size',
          '100',
          '--part-rows',
          '500',
          '--range-rows',
          '1500',
          '--wait',
        ],
        fixture.env,
      );
      const [, exportId] = await start.said('stderr', /export (\S+): \d+ ranges, .*waiting for it to commit/);
      await waitForCommittedParts(cluster.settings, fixture.prefix, exportId!, 1);

      const master = await cluster.masterOf(fixture.prefix);
      await cluster.kill(master);
      // A guard well inside the test's timeout: when the wait does not end (seen about once in six full runs,
      // cause not found yet), the failure shows what the command and the workers said.
      const guard = new AbortController();
      const code = await Promise.race([
        start.exited,
        delay(STILL_WAITING_AFTER_MS, undefined, { signal: guard.signal }).then(async () => {
          // Read before the kill: once the command exits, the race ends with its exit code instead of this error.
          const state = await queueState(cluster, fixture.prefix, exportId!);
          const workers = fixture.workers.map((worker) => worker.output().slice(-4000)).join('\n--- next worker ---\n');
          start.kill();
          throw new Error(
            `start --wait still ran ${STILL_WAITING_AFTER_MS / 1000} s after the master was killed.\n--- start stderr ---\n${start.stderr()}\n--- queues ---\n${state}\n--- workers ---\n${workers}`,
          );
        }),
      ]).finally(() => guard.abort());
      expect(code, start.stderr()).toBe(0);
      expect(start.stdout().trim().split('\n').at(-1)).toBe(exportId);
      expect(start.stderr()).toContain(`committed ${CONTACTS} rows in `);
      // One line when the master went, one when its replica took over; none when the failover took less than
      // the 3 s a read may take before Redis counts as away (the connection's commands retry through it). No
      // stack trace of a failed events read.
      const notices = start
        .stderr()
        .split('\n')
        .filter((line) => line.startsWith('Redis at '));
      if (notices.length > 0)
        expect(notices).toEqual([
          expect.stringMatching(
            new RegExp(
              `^Redis at Redis Cluster \\S+ \\(REDIS_CLUSTER_NODES\\) does not answer \\(.+\\); export ${exportId} goes on on the workers, and this command waits up to 60 s for Redis to come back$`,
            ),
          ),
          expect.stringMatching(
            new RegExp(
              `^Redis at Redis Cluster \\S+ \\(REDIS_CLUSTER_NODES\\) answers again \\(it was away for [\\d.]+ s\\); still following export ${exportId}$`,
            ),
          ),
        ]);
      expect(start.stderr()).not.toMatch(/^\s+at /m);
      expect(await cluster.masterOf(fixture.prefix)).not.toEqual(master);
      await expectExactRows(fixture, dest, exportId!, CONTACTS);
    },
  );

  it('stops each worker on SIGTERM after the failover: exit 0, whatever its connections were left doing', { timeout: 60_000 }, async () => {
    // The workers ran through the failover above. Here a stopping worker was seen never to exit (2 of 32 stops
    // with the machine loaded): nothing logged after "stopping" for 40 s.
    await Promise.all(fixture.workers.map((worker) => worker.stop()));
    expect(fixture.workers.map((worker) => worker.child.exitCode)).toEqual([0, 0]);
    for (const worker of fixture.workers) expect(worker.output()).toMatch(/"msg":"stopped"/);
  });
});

describe('status --watch while its Redis is away', () => {
  /** The current server; a restarted one joins `servers`, all closed after the test (after the fixture, which drops its keys). */
  let redis: PrivateRedis;
  let servers: PrivateRedis[] = [];
  let fixture: ExportFixture | undefined;

  afterEach(async () => {
    // A test may leave Redis paused: let it run so the fixture can drop its keys.
    for (const server of servers) server.process.kill('SIGCONT');
    await fixture?.close();
    fixture = undefined;
    for (const server of servers.reverse()) await server.close();
    servers = [];
  });

  it('goes on through a Redis restart (connections refused for a while), says so, and exits 0 at the commit', { timeout: 60_000 }, async () => {
    // Append-only persistence: the restarted server has the export's state.
    redis = await startPrivateRedisServer({ persistent: true });
    servers.push(redis);
    const CONTACTS = 4_000;
    fixture = await ExportFixture.create('watch-restart', { contacts: CONTACTS, faults: { latencyMs: [20, 60] } }, { redisUrl: redis.url });
    await fixture.startWorkers(1, 2);
    const dest = `s3://${BUCKET}/watch-restart`;
    const { exportId, result } = await fixture.start([
      '--dest',
      dest,
      '--format',
      'ndjson',
      '--rate-limit',
      '20/1s',
      '--page-size',
      '100',
      '--part-rows',
      '500',
      '--range-rows',
      '1000',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const watch = followCli(['status', exportId, '--watch', '--interval', '1'], fixture.env);
    // The watch follows the export (its first line), which is running (a part committed).
    await Promise.all([watch.said('stdout', new RegExp(`${exportId} `)), waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 1)]);

    const { port, directory } = redis;
    await redis.stop();
    await watch.said('stderr', /does not answer/);
    redis = await startPrivateRedisServer({ port, directory, persistent: true });
    servers.push(redis);

    const code = await watch.exited;
    expect(code, watch.stderr()).toBe(0);
    expect(watch.stdout().trim().split('\n').at(-1)).toMatch(new RegExp(`^committed ${CONTACTS} rows in \\d+ parts to ${dest}/`));
    const notices = watch
      .stderr()
      .split('\n')
      .filter((line) => line.startsWith('Redis at '));
    expect(notices).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Redis at redis://127\\.0\\.0\\.1:${port} does not answer \\(.+\\); export ${exportId} goes on on the workers, and this command waits up to 60 s for Redis to come back$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(`^Redis at redis://127\\.0\\.0\\.1:${port} answers again \\(it was away for [\\d.]+ s\\); still following export ${exportId}$`),
      ),
    ]);
  });

  it('gives up on a Redis that stays away for REDIS_OUTAGE_GIVE_UP_MS (a paused server: no answer at all), saying how to follow the export again', async () => {
    redis = await startPrivateRedisServer();
    servers.push(redis);
    // A password, to show that no message names it.
    const password = 'wait-outage-secret-9f2c';
    const admin = new Redis(redis.url);
    await admin.config('SET', 'requirepass', password);
    admin.disconnect();
    const url = `redis://:${password}@127.0.0.1:${redis.port}`;
    fixture = await ExportFixture.create('watch-give-up', { contacts: 500 }, { redisUrl: url });
    // No worker: the export stays enqueued while the watch follows it.
    const { exportId, result } = await fixture.start(['--dest', `s3://${BUCKET}/watch-give-up`, '--format', 'ndjson']);
    expect(result.code, result.stderr).toBe(0);
    const watch = followCli(['status', exportId, '--watch', '--interval', '1'], { ...fixture.env, REDIS_OUTAGE_GIVE_UP_MS: '1000' });
    await watch.said('stdout', new RegExp(`${exportId} `));

    redis.process.kill('SIGSTOP');
    const code = await watch.exited;
    expect(code).toBe(1);
    const redacted = `redis://:***@127.0.0.1:${redis.port}`;
    expect(watch.stderr()).toContain(`Redis at ${redacted} does not answer (no answer within 3 s)`);
    expect(watch.stderr()).toMatch(
      new RegExp(
        `error: Redis at ${redacted.replace(/[.*]/g, '\\$&')} has not answered for \\d+ s \\(last: no answer within 3 s\\), so this command stopped waiting for export ${exportId}\\. ` +
          `The export goes on on the workers once Redis is back; follow it again with: bulk-export status ${exportId} --watch`,
      ),
    );
    expect(watch.stderr() + watch.stdout()).not.toContain(password);
  });
});
