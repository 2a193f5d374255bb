// What Redis itself spends on the exporter, from its own INFO: CPU (used_cpu_user + used_cpu_sys), memory
// (used_memory), the command mix (commandstats, with each command's own microseconds), and which keys the
// memory is in, grouped by the shape of their names.
import type { Redis } from 'ioredis';

function infoFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** CPU seconds the server has used since it started (main thread and background threads, user and system). */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const fields = infoFields(await redis.info('cpu'));
  return Number(fields.get('used_cpu_user') ?? 0) + Number(fields.get('used_cpu_sys') ?? 0);
}

/** Connections the server has accepted since it started (INFO stats `total_connections_received`). */
export async function redisConnectionsReceived(redis: Redis): Promise<number> {
  return Number(infoFields(await redis.info('stats')).get('total_connections_received') ?? 0);
}

/** `used_memory`: bytes the allocator holds for data and the server's own structures. */
export async function redisUsedMemory(redis: Redis): Promise<number> {
  return Number(infoFields(await redis.info('memory')).get('used_memory') ?? 0);
}

export interface CommandFigures {
  command: string;
  calls: number;
  /** Microseconds the server spent in the command (for EVALSHA and FCALL, the script's whole run). */
  usec: number;
}

/** Calls and microseconds per command since the last CONFIG RESETSTAT, most time first. */
export async function redisCommandFigures(redis: Redis): Promise<CommandFigures[]> {
  const figures: CommandFigures[] = [];
  for (const line of (await redis.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (match) figures.push({ command: match[1]!, calls: Number(match[2]), usec: Number(match[3]) });
  }
  return figures.sort((a, b) => b.usec - a.usec);
}

/** The highest `used_memory` seen while it runs, read every `intervalMs`. */
export class RedisMemorySampler {
  peakBytes = 0;
  samples = 0;
  private readonly timer: NodeJS.Timeout;
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    intervalMs = 250,
  ) {
    this.timer = setInterval(() => {
      this.reading = this.read();
    }, intervalMs);
    this.timer.unref();
  }

  private async read(): Promise<void> {
    const bytes = await redisUsedMemory(this.redis).catch(() => 0);
    this.peakBytes = Math.max(this.peakBytes, bytes);
    this.samples++;
  }

  /** Stops, after one last reading. */
  async stop(): Promise<number> {
    clearInterval(this.timer);
    await this.reading;
    await this.read();
    return this.peakBytes;
  }
}

/** Keys of one shape (`{prefix}:export:<export>`, say): how many, their bytes (MEMORY USAGE), and how many expire. */
export interface KeyGroup {
  shape: string;
  keys: number;
  bytes: number;
  expiring: number;
  /** Longest time to live among the expiring ones, seconds. */
  longestTtlSeconds: number;
}

/**
 * Every key of the server, grouped by `shapeOf(key)`, with MEMORY USAGE (every element counted) and TTL
 * of each; largest groups first.
 */
export async function keyGroups(redis: Redis, shapeOf: (key: string) => string): Promise<KeyGroup[]> {
  const groups = new Map<string, KeyGroup>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    if (keys.length === 0) continue;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', 0).pttl(key);
    const replies = (await pipeline.exec()) ?? [];
    keys.forEach((key, index) => {
      const bytes = Number(replies[2 * index]?.[1] ?? 0);
      const ttlMs = Number(replies[2 * index + 1]?.[1] ?? -1);
      const shape = shapeOf(key);
      const group = groups.get(shape) ?? { shape, keys: 0, bytes: 0, expiring: 0, longestTtlSeconds: 0 };
      group.keys++;
      group.bytes += bytes;
      if (ttlMs > 0) {
        group.expiring++;
        group.longestTtlSeconds = Math.max(group.longestTtlSeconds, Math.round(ttlMs / 1000));
      }
      groups.set(shape, group);
    });
  } while (cursor !== '0');
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes);
}
