import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { dropPrefix, testRedis, uniquePrefix } from './test-redis.js';

/** A Redis client and a queue prefix of the calling file's own: connected before its tests, its keys deleted after them. */
export function redisForTests(label: string): { readonly redis: Redis; readonly prefix: string } {
  const prefix = uniquePrefix(label);
  let redis: Redis | undefined;
  let url: string | undefined;
  beforeAll(async () => {
    url = (await testRedis()).url;
    redis = new Redis(url);
  });
  afterAll(async () => {
    redis?.disconnect();
    if (url) await dropPrefix(url, prefix);
  });
  return {
    get redis(): Redis {
      if (!redis) throw new Error('redisForTests: the client exists once the tests run');
      return redis;
    },
    prefix,
  };
}
