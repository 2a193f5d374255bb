import type { Redis } from 'ioredis';
import { BulkExportError } from '../errors/index.js';

/**
 * Marks that an export's commit has begun, so that no part object appears once the commit lists the
 * folder: a range worker checks it before it starts a part upload (and then uploads nothing) and again
 * after S3 confirmed one (and then deletes its own object). Only a worker that lost its job (a stalled
 * lock, a shutdown whose upload was still in flight) can be uploading then: every range is done.
 * Set by the commit before its first listing; cleared when a commit rewinds ranges to read them again,
 * and by `retry` and `resume --dest` before they re-run ranges.
 */
export class CommitFence {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(exportId: string): string {
    return `${this.prefix}:committing:${exportId}`;
  }

  async raise(exportId: string): Promise<void> {
    await this.redis.set(this.key(exportId), new Date().toISOString());
  }

  async isRaised(exportId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(exportId))) === 1;
  }

  async lower(exportId: string): Promise<void> {
    await this.redis.del(this.key(exportId));
  }
}

/** A range attempt found the export's commit under way: it owns no range any more and writes nothing. */
export class ExportCommittingError extends BulkExportError {
  constructor(exportId: string, rangeIndex: number, key: string) {
    super(
      'EXPORT_COMMITTING',
      `Range ${rangeIndex} of ${exportId}: the export's commit has begun, so this attempt (which no longer owns the range) ` +
        `does not keep part ${key}; nothing to do.`,
    );
  }
}
