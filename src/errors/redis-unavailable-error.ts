import { BulkExportError } from './bulk-export-error.js';

/** Redis did not answer a command: nothing was read or changed. The Redis is shown without its password. */
export class RedisUnavailableError extends BulkExportError {
  constructor(redactedUrl: string, problem: string) {
    super(
      'REDIS_UNAVAILABLE',
      `Redis at ${redactedUrl} did not answer (${problem}). Check REDIS_URL (or REDIS_CLUSTER_NODES, REDIS_SENTINELS), that Redis is running ` +
        'and reachable from this machine (host, port, firewall; rediss:// or REDIS_TLS=1 for TLS) and its password, then try again.',
    );
  }
}
