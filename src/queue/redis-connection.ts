import { Redis } from 'ioredis';

/**
 * A Redis connection as BullMQ workers need it: commands wait through reconnects instead of failing
 * after a few retries, so a restarted Redis does not fail the jobs in flight.
 */
export function createRedisConnection(url: string, name: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true, connectionName: name });
  // While Redis restarts, ioredis reconnects on its own and commands wait; the errors need no report of their own.
  redis.on('error', () => undefined);
  return redis;
}

/** A connection for short commands (CLI): fails fast when Redis is not there. */
export function createCommandConnection(url: string, name: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectionName: name,
    lazyConnect: true,
    retryStrategy: (times) => (times > 3 ? null : 200),
  });
  redis.on('error', () => undefined);
  return redis;
}

/** Redis could not be reached (refused, timed out, closed, out of reconnects), as opposed to a command Redis refused. */
export function isRedisUnreachable(error: unknown): boolean {
  const shape = (error ?? {}) as { name?: string; message?: string; code?: string };
  return (
    shape.name === 'MaxRetriesPerRequestError' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN'].includes(shape.code ?? '') ||
    /Connection is closed|max retries per request|Stream isn't writeable/i.test(shape.message ?? '')
  );
}

/** A Redis URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable REDIS_URL)';
  }
}
