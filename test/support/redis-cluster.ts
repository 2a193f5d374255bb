import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from '../../simulators/local-services/local-redis.js';
import type { ClusterRedisSettings, RedisEndpoint } from '../../src/config/redis-settings.js';
import { startRedisServer, type RedisServerProcess } from './redis-server-process.js';

const run = promisify(execFile);

/** A Redis Cluster of one test: masters on free loopback ports, every slot assigned, replicas when asked for. */
export interface TestRedisCluster {
  /** The masters as the cluster was formed (a failover can promote a replica in place of one). */
  nodes: RedisEndpoint[];
  /** One replica per master with `{ replicas: true }`; none otherwise. */
  replicas: RedisEndpoint[];
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
  /** The master serving `key`'s slot now, as the cluster's own slot map (CLUSTER SLOTS) says. */
  masterOf(key: string): Promise<RedisEndpoint>;
  /** SIGKILLs the node's redis-server (no shutdown, no goodbye to the cluster) and resolves once it is gone. */
  kill(node: RedisEndpoint): Promise<void>;
  close(): Promise<void>;
}

export interface TestRedisClusterOptions {
  /**
   * One replica per master (`--cluster-replicas 1`), with a short `--cluster-node-timeout` so that a replica
   * takes over within a few seconds of its master's death. Without replicas the timeout stays 5 s.
   */
  replicas?: boolean;
}

/** Node timeout with replicas: a dead master is failed over within about twice this. */
const FAILOVER_NODE_TIMEOUT_MS = 2_000;

/**
 * Starts `size` `redis-server --cluster-enabled yes` masters (and as many replicas with `replicas`; bus ports
 * chosen free too, not port + 10000), joins them with `redis-cli --cluster create`, and resolves once every
 * node reports cluster_state:ok and knows every other node, and every replica is in sync with its master.
 */
export async function startRedisCluster(size = 3, options: TestRedisClusterOptions = {}): Promise<TestRedisCluster> {
  const servers: RedisServerProcess[] = [];
  const started: RedisEndpoint[] = [];
  let masters: RedisEndpoint[] = [];
  let replicas: RedisEndpoint[] = [];
  const nodeTimeout = options.replicas ? FAILOVER_NODE_TIMEOUT_MS : 5_000;
  try {
    for (let index = 0; index < (options.replicas ? size * 2 : size); index += 1) {
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
          String(nodeTimeout),
          // A replica takes over however long ago it last heard from its master (the test kills masters on purpose).
          ...(options.replicas ? ['--cluster-replica-validity-factor', '0'] : []),
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
      started.push({ host: '127.0.0.1', port });
    }
    const addresses = started.map((node) => `${node.host}:${node.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', options.replicas ? '1' : '0', '--cluster-yes'], {
      timeout: 30_000,
    });
    await waitUntilFormed(started);
    // redis-cli picks which nodes become masters; the cluster says which it picked.
    ({ masters, replicas } = await rolesOf(started));
    await waitUntilReplicasSynced(replicas);
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    throw error;
  }
  const nodes = masters;
  const killed = new Set<RedisServerProcess>();
  const serverAt = (node: RedisEndpoint) => servers[started.findIndex((candidate) => candidate.port === node.port)]!;
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
  /** A node that is still running, for questions any node can answer. */
  const liveNode = () => started.find((node) => !killed.has(serverAt(node)))!;
  return {
    nodes,
    replicas,
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
      return withNode(liveNode(), async (redis) => new Set(await Promise.all(keys.map(async (key) => Number(await redis.cluster('KEYSLOT', key))))));
    },
    masterOf(key) {
      return withNode(liveNode(), async (redis) => {
        const slot = Number(await redis.cluster('KEYSLOT', key));
        const [, , master] = (await redis.cluster('SLOTS')).find(([first, last]) => first <= slot && slot <= last) ?? [];
        if (!master) throw new Error(`no node serves slot ${slot} of ${key}`);
        return { host: '127.0.0.1', port: Number(master[1]) };
      });
    },
    async kill(node) {
      const server = serverAt(node);
      killed.add(server);
      if (server.process.exitCode !== null || server.process.signalCode !== null) return;
      const exited = once(server.process, 'exit');
      server.process.kill('SIGKILL');
      await exited;
    },
    async close() {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

/** Which of the nodes are masters and which replicas, from CLUSTER NODES (`myself,master` / `myself,slave`). */
async function rolesOf(nodes: RedisEndpoint[]): Promise<{ masters: RedisEndpoint[]; replicas: RedisEndpoint[] }> {
  const roles = await Promise.all(
    nodes.map(async (node) => {
      const redis = new Redis({ ...node, maxRetriesPerRequest: 1 });
      try {
        const own = ((await redis.cluster('NODES')) as string).split('\n').find((line) => line.includes('myself'))!;
        return own.split(' ')[2]!.includes('master') ? 'master' : 'replica';
      } finally {
        redis.disconnect();
      }
    }),
  );
  return { masters: nodes.filter((_, index) => roles[index] === 'master'), replicas: nodes.filter((_, index) => roles[index] === 'replica') };
}

/**
 * A replica that has not finished its first sync cannot stand in for its master; nothing announces the end
 * of the sync, so each replica is asked until its link to the master is up and no sync runs (within 20 s).
 */
async function waitUntilReplicasSynced(replicas: RedisEndpoint[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  const clients = replicas.map((node) => new Redis({ ...node, maxRetriesPerRequest: 1 }));
  try {
    for (;;) {
      const infos = await Promise.all(clients.map((client) => client.info('replication')));
      if (infos.every((info) => info.includes('master_link_status:up') && info.includes('master_sync_in_progress:0'))) return;
      if (Date.now() > deadline) throw new Error(`the replicas did not sync within 20 s:\n${infos.join('\n---\n')}`);
      await delay(50);
    }
  } finally {
    for (const client of clients) client.disconnect();
  }
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
