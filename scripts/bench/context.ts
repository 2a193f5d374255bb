// Everything the benchmark's scenarios share: Redis (a private redis-server when possible, so that
// INFO commandstats counts only the benchmark), the services process, and the environment of a worker.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { DEFAULT_REDIS_URL, readEnvironment, type Environment } from '../../src/config/environment.js';
import { answersPing, startPrivateRedisServer } from '../../simulators/local-services/local-redis.js';
import { createLogger, type Logger } from '../../src/logging/logger.js';
import { ProcessSampler } from './proc.js';
import { ServicesProcess } from './services-client.js';

export interface BenchRedis {
  url: string;
  /** True for a redis-server of our own: stats can be reset and the data flushed. */
  private: boolean;
  origin: string;
  sampler?: ProcessSampler;
  close(): Promise<void>;
}

export async function benchRedis(explicitUrl: string | undefined): Promise<BenchRedis> {
  if (!explicitUrl) {
    const server = await startPrivateRedisServer().catch(() => undefined);
    if (server) {
      return {
        url: server.url,
        private: true,
        origin: `private redis-server on port ${server.port}`,
        sampler: new ProcessSampler(server.process.pid!),
        close: () => server.close(),
      };
    }
  }
  const url = explicitUrl || process.env.REDIS_URL || DEFAULT_REDIS_URL;
  if (!(await answersPing(url)))
    throw new Error(`No Redis answers at ${url} and redis-server could not be started; install redis-server or pass --redis-url.`);
  return { url, private: false, origin: `${url} (shared: commands per page include other clients')`, close: async () => {} };
}

/** Calls per command since the last reset, from INFO commandstats. */
export async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const text = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
    if (match) calls.set(match[1]!, Number(match[2]));
  }
  return calls;
}

export function diffStats(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const diff = new Map<string, number>();
  for (const [name, calls] of after) {
    const delta = calls - (before.get(name) ?? 0);
    if (delta > 0) diff.set(name, delta);
  }
  return diff;
}

export function sumCalls(stats: Map<string, number>): number {
  let total = 0;
  for (const calls of stats.values()) total += calls;
  return total;
}

export class BenchContext {
  readonly logger: Logger = createLogger({ level: process.env.LOG_LEVEL ?? 'error', name: 'bench' });
  readonly commands: Redis;

  private constructor(
    readonly redis: BenchRedis,
    readonly services: ServicesProcess,
    readonly s3Directory: string,
  ) {
    this.commands = new Redis(redis.url, { maxRetriesPerRequest: 3, connectionName: 'bench' });
    this.commands.on('error', () => undefined);
  }

  static async create(options: { redisUrl?: string }): Promise<BenchContext> {
    const redis = await benchRedis(options.redisUrl);
    const s3Directory = await mkdtemp(join(tmpdir(), 'bulk-export-bench-s3-'));
    try {
      const services = await ServicesProcess.start(s3Directory);
      return new BenchContext(redis, services, s3Directory);
    } catch (error) {
      await redis.close();
      await rm(s3Directory, { recursive: true, force: true });
      throw error;
    }
  }

  get bucket(): string {
    return this.services.ready.bucket;
  }

  /** A queue prefix of its own for one scenario (a hash tag, as in production). */
  prefix(label: string): string {
    return `{bench-${label}-${randomBytes(3).toString('hex')}}`;
  }

  workerEnv(prefix: string, simulator: { url: string; token: string }): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(process.env.BENCH_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_WORKER_NODE_OPTIONS } : {}),
      // As the container image runs workers (see the Dockerfile): two glibc malloc arenas, not one per thread.
      MALLOC_ARENA_MAX: '2',
      REDIS_URL: this.redis.url,
      BULK_EXPORT_QUEUE_PREFIX: prefix,
      VIRTUOUS_BASE_URL: simulator.url,
      VIRTUOUS_API_TOKEN: simulator.token,
      ...this.services.ready.s3Variables,
    };
  }

  /** What `start` reads from the environment, with the local S3 keys given explicitly (this process's own environment has none). */
  environment(env: NodeJS.ProcessEnv): Environment {
    const environment = readEnvironment(env);
    environment.s3.credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID!, secretAccessKey: env.AWS_SECRET_ACCESS_KEY! };
    return environment;
  }

  async resetCommandStats(): Promise<boolean> {
    if (!this.redis.private) return false;
    await this.commands.config('RESETSTAT');
    return true;
  }

  /** Removes a finished scenario's keys (everything, on a private server). */
  async dropPrefix(prefix: string): Promise<void> {
    if (this.redis.private) {
      await this.commands.flushall();
      return;
    }
    let cursor = '0';
    do {
      const [next, keys] = await this.commands.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await this.commands.unlink(...keys);
    } while (cursor !== '0');
  }

  async close(): Promise<void> {
    this.commands.disconnect();
    await this.services.close();
    await this.redis.close();
    await rm(this.s3Directory, { recursive: true, force: true });
  }
}

const fetchesByOrigin = new Map<string, number>();
let fetchCounted = false;

/**
 * API requests this process made to `url`'s origin: `start` (planning) runs here, so this tells the
 * planner's requests from the workers' in the simulator's count.
 */
export function requestsMadeTo(url: string): number {
  if (!fetchCounted) {
    fetchCounted = true;
    const original = globalThis.fetch;
    globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
      const target = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const origin = new URL(target).origin;
      fetchesByOrigin.set(origin, (fetchesByOrigin.get(origin) ?? 0) + 1);
      return original(input, init);
    }) as typeof fetch;
  }
  return fetchesByOrigin.get(new URL(url).origin) ?? 0;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
