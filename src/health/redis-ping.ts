import type { Redis } from 'ioredis';

/** What /readyz waits for a PING at most; below Kubernetes' default probe timeout of 1 s. */
export const READINESS_PING_TIMEOUT_MS = 800;

/**
 * Undefined when `redis` answers PING within `timeoutMs`, else why not. A connection that is not open
 * fails at once: a worker's connection queues commands until it reconnects, so a PING on it would only
 * wait. A connection that is open but whose server stopped answering (paused, overloaded, a dead peer
 * not yet noticed) fails at the timeout.
 */
export async function redisProblem(redis: Redis, name: string, timeoutMs = READINESS_PING_TIMEOUT_MS): Promise<string | undefined> {
  if (redis.status !== 'ready') return `Redis connection ${name} is ${redis.status}`;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`Redis did not answer PING within ${timeoutMs} ms`), timeoutMs);
  });
  // Handled here even when it settles after the timeout: a PING that fails later must not go unhandled.
  const answered = redis.ping().then(
    () => undefined,
    (error: unknown) => `Redis PING failed: ${(error as Error).message}`,
  );
  try {
    return await Promise.race([answered, late]);
  } finally {
    clearTimeout(timer);
  }
}
