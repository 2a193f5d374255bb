import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForExport } from '../../src/queue/export-status.js';
import { createCommandConnection } from '../../src/queue/redis-connection.js';
import { BUCKET, ExportFixture } from '../support/export-fixture.js';
import { waitForCommittedParts } from '../support/progress-events.js';
import { startRedisCluster, type TestRedisCluster } from '../support/redis-cluster.js';

const CONTACTS = 8_000;

describe('a Redis Cluster of three masters', () => {
  let cluster: TestRedisCluster;
  let fixture: ExportFixture;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    fixture = await ExportFixture.create(
      'cluster',
      { contacts: CONTACTS, seed: 17, faults: { latencyMs: [20, 60], seed: 4 } },
      // The fixture's own REDIS_URL is unset for the processes (cluster.env); workers hand a killed worker's ranges on quickly.
      {
        redisUrl: `redis://${cluster.nodes[0]!.host}:${cluster.nodes[0]!.port}`,
        env: { ...cluster.env, WORKER_LOCK_DURATION_MS: '3000', WORKER_STALLED_INTERVAL_MS: '1500' },
      },
    );
  });

  afterAll(async () => {
    await fixture?.close();
    await cluster?.close();
  });

  /** Every key under the test's prefix, on every master, and the slots the cluster puts them in. */
  async function keysAndSlots() {
    const keys = await cluster.keys(`${fixture.prefix.replace(/[[\]*?\\]/g, '\\$&')}:*`);
    return { keys, slots: await cluster.slotsOf(keys) };
  }

  it(
    'runs a full export with two workers, one SIGKILLed mid-export, exactly; every queue and budget key in one slot',
    { timeout: 90_000 },
    async () => {
      const [victim, survivor] = await fixture.startWorkers(2, 2);
      const dest = `s3://${BUCKET}/cluster`;
      const { exportId, result } = await fixture.start([
        '--dest',
        dest,
        '--format',
        'parquet',
        '--rate-limit',
        '40/1s',
        '--page-size',
        '100',
        '--part-rows',
        '500',
        '--range-rows',
        '1000',
      ]);
      expect(result.code, result.stderr).toBe(0);
      const commandConnection = createCommandConnection(cluster.settings, 'test-cluster');
      const committed = waitForExport(cluster.settings, fixture.prefix, commandConnection, exportId);
      committed.catch(() => undefined); // awaited below

      await waitForCommittedParts(cluster.settings, fixture.prefix, exportId, 3);
      const running = await keysAndSlots();
      // The queues' keys (BullMQ), ours (registry, checkpoints) and the shared budget, all in the prefix's slot.
      for (const part of [':exports:', ':export-ranges:', ':checkpoint:', ':export:', ':budget:virtuous:']) {
        expect(
          running.keys.some((key) => key.includes(part)),
          `a key with ${part} among ${running.keys.join(' ')}`,
        ).toBe(true);
      }
      expect([...running.slots]).toEqual([...(await cluster.slotsOf([fixture.prefix]))]);

      expect(victim!.output()).toContain('"range started"');
      victim!.child.kill('SIGKILL');
      await victim!.stop();
      try {
        await committed;
      } finally {
        commandConnection.disconnect();
      }
      // The survivor took over the killed worker's ranges from their checkpoints.
      expect(survivor!.output()).toContain('"export committed"');

      const folder = await fixture.folder(dest, exportId);
      const manifest = (await fixture.manifest(folder))!;
      const expected = fixture.simulator.expectedIds({ includeArchived: true });
      expect(expected.length).toBe(CONTACTS);
      expect(manifest.rows).toBe(expected.length);
      const ids = await fixture.idsInParts(manifest);
      expect(ids.map((row) => row.id)).toEqual(expected);
      expect(ids.every((row) => row.n === 1)).toBe(true);
      const listed = await fixture.store.list(`${folder}/part-`);
      expect(listed.map((object) => object.key).sort()).toEqual(manifest.parts.map((part) => part.key).sort());

      const after = await keysAndSlots();
      expect(after.keys.length).toBeGreaterThan(0);
      expect(after.slots.size).toBe(1);
      expect([...after.slots]).toEqual([...running.slots]);

      // TIME comes from the node serving the prefix's slot (the budget scripts' clock), not from any node.
      await survivor!.stop();
      const clock = createCommandConnection({ ...cluster.settings, clockKey: fixture.prefix }, 'test-clock');
      try {
        const holders = (await cluster.keysPerNode(`${fixture.prefix.replace(/[[\]*?\\]/g, '\\$&')}:*`)).map((keys) => keys.length > 0);
        const before = await cluster.calls('time');
        for (let call = 0; call < 5; call += 1) expect((await clock.time()).map(Number)[0]).toBeGreaterThan(1_700_000_000);
        const after = await cluster.calls('time');
        expect(after.map((count, node) => count - before[node]!)).toEqual(holders.map((holds) => (holds ? 5 : 0)));
      } finally {
        clock.disconnect();
      }

      // The CLI reads the Cluster too: status through a fail-fast connection, the budget through SCAN on every master.
      const status = await fixture.cli(['status', exportId, '--json']);
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ state: 'committed', rows: CONTACTS });
      const metrics = await fixture.cli(['metrics']);
      expect(metrics.code, metrics.stderr).toBe(0);
      expect(metrics.stdout).toMatch(/bulk_export_budget_tokens\{source="virtuous",account="default",scope="organization"\}/);
    },
  );

  it('refuses a queue prefix without a hash tag on a Cluster, with exit code 2 and nothing written', async () => {
    const outcome = await fixture.cli(['start', '--source', 'virtuous', '--dest', `s3://${BUCKET}/untagged`], {
      BULK_EXPORT_QUEUE_PREFIX: 'untagged-prefix',
    });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('BULK_EXPORT_QUEUE_PREFIX is "untagged-prefix", which has no hash tag');
    expect(outcome.stderr).toContain('{untagged-prefix}');
    expect(await cluster.keys('*untagged-prefix*')).toEqual([]);
  });
});
