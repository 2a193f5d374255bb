import type { Redis } from 'ioredis';
import { readEnvironment, type Environment } from '../config/environment.js';
import { createCommandConnection, redisAccessError } from '../queue/redis-connection.js';

/**
 * Runs a short command with a fail-fast Redis connection that is always closed. Redis not answering is
 * a RedisUnavailableError naming the Redis (without its password) and the connection's own error, not
 * the client's "max retries per request"; Redis refusing the credentials or a command is a RedisRefusedError.
 */
export async function withRedis<T>(name: string, action: (redis: Redis, environment: Environment) => Promise<T>): Promise<T> {
  const environment = readEnvironment();
  const redis = createCommandConnection(environment.redis, `bulk-export:${name}`);
  let connectionError: Error | undefined;
  redis.on('error', (error: Error) => (connectionError = error));
  try {
    return await action(redis, environment);
  } catch (error) {
    throw redisAccessError(error, environment.redis.label, connectionError) ?? error;
  } finally {
    redis.disconnect();
  }
}
