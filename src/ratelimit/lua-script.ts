import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A script run with EVALSHA, falling back to EVAL (which also caches it) when Redis does not know it yet. */
export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  /** One round trip; `keys` must share a hash tag on a Cluster (the budgets' keys carry the prefix's). */
  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
