import type { Redis } from 'ioredis';
import { readEnvironment, type Environment } from '../config/environment.js';
import { createCommandConnection } from '../queue/redis-connection.js';

/** Runs a short command with a fail-fast Redis connection that is always closed. */
export async function withRedis<T>(name: string, action: (redis: Redis, environment: Environment) => Promise<T>): Promise<T> {
  const environment = readEnvironment();
  const redis = createCommandConnection(environment.redisUrl, `bulk-export:${name}`);
  try {
    return await action(redis, environment);
  } finally {
    redis.disconnect();
  }
}
