import type { Redis } from 'ioredis';
import { readEnvironment, type Environment } from '../config/environment.js';
import { RedisUnavailableError } from '../errors/index.js';
import { redactUrl } from '../queue/redis-connection.js';
import { createCommandConnection, isRedisUnreachable } from '../queue/redis-connection.js';

/**
 * Runs a short command with a fail-fast Redis connection that is always closed. Redis not answering is
 * a RedisUnavailableError naming REDIS_URL (without its password) and the connection's own error, not
 * the client's "max retries per request".
 */
export async function withRedis<T>(name: string, action: (redis: Redis, environment: Environment) => Promise<T>): Promise<T> {
  const environment = readEnvironment();
  const redis = createCommandConnection(environment.redisUrl, `bulk-export:${name}`);
  let connectionProblem: string | undefined;
  redis.on('error', (error: Error) => (connectionProblem = error.message));
  try {
    return await action(redis, environment);
  } catch (error) {
    if (isRedisUnreachable(error)) throw new RedisUnavailableError(redactUrl(environment.redisUrl), connectionProblem ?? (error as Error).message);
    throw error;
  } finally {
    redis.disconnect();
  }
}
