import { BulkExportError } from './bulk-export-error.js';

/**
 * Redis answered but refused this client: the credentials (WRONGPASS, NOAUTH) or the ACL user's rights
 * (NOPERM). Another attempt gets the same answer; the settings or the server's ACL rule must change. The
 * Redis is named by its label, which never holds a password.
 */
export class RedisRefusedError extends BulkExportError {
  constructor(redisLabel: string, reply: string) {
    const permission = /NOPERM/.test(reply);
    super(
      'REDIS_REFUSED',
      permission
        ? `Redis at ${redisLabel} refused a command to this user (${reply}). Give the ACL user the commands and keys the exporter needs ` +
            '(docs/redis.md, "ACL"), then try again.'
        : `Redis at ${redisLabel} refused the credentials (${reply}). Check REDIS_USERNAME and REDIS_PASSWORD (or the user:password in ` +
            "REDIS_URL) against the server's users, then try again.",
    );
  }
}
