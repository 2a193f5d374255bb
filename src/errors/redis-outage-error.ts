import { BulkExportError } from './bulk-export-error.js';

/**
 * A command that waits for an export (`start --wait`, `status --watch`) gave up on Redis after it stayed
 * unreachable for the whole give-up time. The export itself is not affected: the workers wait for Redis
 * as long as it takes and go on from their checkpoints. The Redis is named by its label (never a password).
 */
export class RedisOutageError extends BulkExportError {
  constructor(redisLabel: string, exportId: string, awayMs: number, problem: string) {
    super(
      'REDIS_OUTAGE',
      `Redis at ${redisLabel} has not answered for ${Math.round(awayMs / 1000)} s (last: ${problem}), so this command stopped waiting ` +
        `for export ${exportId}. The export goes on on the workers once Redis is back; follow it again with: ` +
        `bulk-export status ${exportId} --watch (REDIS_OUTAGE_GIVE_UP_MS sets how long a waiting command waits for Redis).`,
    );
  }
}
