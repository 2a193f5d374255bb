import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { DEFAULT_REDIS_URL } from '../../src/config/environment.js';
import { obtainRedis, type LocalRedis } from '../../simulators/local-services/local-redis.js';

let shared: Promise<LocalRedis> | undefined;

/** The Redis every queue test uses: REDIS_URL / 127.0.0.1:6379, else a private redis-server, else a container. */
export function testRedis(): Promise<LocalRedis> {
  shared ??= obtainRedis(process.env.REDIS_URL || DEFAULT_REDIS_URL);
  return shared;
}

/** A queue prefix no other test uses, hash-tagged like the production default. */
export function uniquePrefix(label: string): string {
  return `{bx-test-${label}-${randomBytes(4).toString('hex')}}`;
}

/** Deletes every key under a test's prefix. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Resolves once the Redis at `url` (a test's private one) has no client but the one this asks with (CLIENT
 * LIST, every 50 ms): after processes were killed, their connections close once Redis has read and run all
 * they had sent.
 */
export async function otherClientsGone(url: string): Promise<void> {
  const redis = new Redis(url);
  try {
    while (((await redis.client('LIST')) as string).trim().split('\n').length > 1) await delay(50);
  } finally {
    redis.disconnect();
  }
}
