import { execFile } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../../simulators/local-services/local-redis.js';
import type { ClusterRedisSettings, RedisEndpoint } from '../../src/config/redis-settings.js';
import { startRedisServer, type RedisServerProcess } from './redis-server-process.js';

const run = promisify(execFile);

/** A Redis Cluster of one test: masters on free loopback ports, every slot assigned, no replicas. */
export interface TestRedisCluster {
  nodes: RedisEndpoint[];
  /** For the test's own connections (the factory's Cluster client). */
  settings: ClusterRedisSettings;
  /** For the processes the test starts: REDIS_CLUSTER_NODES, and no REDIS_URL. */
  env: NodeJS.ProcessEnv;
  /** Every key matching `pattern` on every node, read with a plain connection per node (SCAN sees one node only). */
  keys(pattern: string): Promise<string[]>;
  /** The slot of each key, as the cluster itself computes it (CLUSTER KEYSLOT), not as the code under test would. */
  slotsOf(keys: string[]): Promise<Set<number>>;
  /** Per node, how often it ran `command` (INFO commandstats; commands scripts call count too). */
  calls(command: string): Promise<number[]>;
  /** Per node, the keys it holds that match `pattern`. */
  keysPerNode(pattern: string): Promise<string[][]>;
  close(): Promise<void>;
}

/**
 * Starts `size` `redis-server --cluster-enabled yes` nodes (bus ports chosen free too, not port + 10000),
 * joins them with `redis-cli --cluster create`, and resolves once every node reports cluster_state:ok and
 * knows every other node.
 */
export async function startRedisCluster(size = 3): Promise<TestRedisCluster> {
  const servers: RedisServerProcess[] = [];
  const nodes: RedisEndpoint[] = [];
  try {
    for (let index = 0; index < size; index += 1) {
      const [port, busPort] = [await freePort(), await freePort()];
      servers.push(
        await startRedisServer([
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-port',
          String(busPort),
          '--cluster-config-file',
          '{dir}/nodes.conf',
          '--cluster-node-timeout',
          '5000',
          '--dir',
          '{dir}',
          '--save',
          '',
          '--appendonly',
          'no',
          '--maxmemory-policy',
          'noeviction',
        ]),
      );
      nodes.push({ host: '127.0.0.1', port });
    }
    const addresses = nodes.map((node) => `${node.host}:${node.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await waitUntilFormed(nodes);
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    throw error;
  }
  const label = `Redis Cluster ${nodes.map((node) => `${node.host}:${node.port}`).join(',')} (test)`;
  const withNode = async <T>(node: RedisEndpoint, use: (redis: Redis) => Promise<T>): Promise<T> => {
    const redis = new Redis({ ...node, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      return await use(redis);
    } finally {
      redis.disconnect();
    }
  };
  const keysPerNode = (pattern: string): Promise<string[][]> =>
    Promise.all(
      nodes.map((node) =>
        withNode(node, async (redis) => {
          const found: string[] = [];
          let cursor = '0';
          do {
            const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
            cursor = next;
            found.push(...keys);
          } while (cursor !== '0');
          return found;
        }),
      ),
    );
  return {
    nodes,
    settings: { topology: 'cluster', nodes, credentials: {}, tls: undefined, label },
    env: { REDIS_URL: undefined, REDIS_CLUSTER_NODES: nodes.map((node) => `${node.host}:${node.port}`).join(',') },
    keys: async (pattern) => (await keysPerNode(pattern)).flat().sort(),
    keysPerNode,
    calls(command) {
      return Promise.all(
        nodes.map((node) =>
          withNode(node, async (redis) => {
            const line = (await redis.info('commandstats')).split(/\r?\n/).find((text) => text.startsWith(`cmdstat_${command}:`));
            return Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
          }),
        ),
      );
    },
    slotsOf(keys) {
      return withNode(nodes[0]!, async (redis) => new Set(await Promise.all(keys.map(async (key) => Number(await redis.cluster('KEYSLOT', key))))));
    },
    async close() {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

/**
 * Gossip spreads the new configuration after `--cluster create` returns; nothing announces when every node
 * has it, so each node is asked until it says so (within 20 s).
 */
async function waitUntilFormed(nodes: RedisEndpoint[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  const clients = nodes.map((node) => new Redis({ ...node, maxRetriesPerRequest: 1 }));
  try {
    for (;;) {
      const infos = await Promise.all(clients.map((client) => client.cluster('INFO') as Promise<string>));
      if (infos.every((info) => info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${nodes.length}`))) return;
      if (Date.now() > deadline) throw new Error(`the cluster did not form within 20 s:\n${infos.join('\n---\n')}`);
      await delay(50);
    }
  } finally {
    for (const client of clients) client.disconnect();
  }
}
