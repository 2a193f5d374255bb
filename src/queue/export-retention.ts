import type { Redis } from 'ioredis';
import { accountOf } from '../accounts/account-name.js';
import { HandedCredentials } from '../accounts/handed-credentials.js';
import { EXPORT_RETENTION_DEFAULT_MS } from '../config/environment.js';
import { NotificationDeliveries } from '../notifications/notification-deliveries.js';
import { CheckpointStore } from './checkpoint-store.js';
import { CommitFence } from './commit-fence.js';
import { ExportControl } from './export-control.js';
import { ExportRegistry, type ExportRecord } from './export-registry.js';
import { RangeBoard } from './range-board.js';

/**
 * Index entries a sweep looks at, oldest first. Entries older than the retention whose export has not
 * finished (running, paused, or finished only lately) are looked at again by every sweep, so the bound is
 * generous; finished ones leave the index as they are forgotten.
 */
const SWEEP_LIMIT = 1_000;

/**
 * Forgets finished exports: what Redis holds of an export that committed, failed or was cancelled more than
 * the retention ago (its record, checkpoints, range board, commit fence, operator control and notification
 * deliveries) is deleted, it leaves the export index, and it lets go of a credential handed over for it.
 * BullMQ trims the exports' jobs itself (7 days for completed ones, 14 for failed: job-policies.ts). Without
 * this, every export would leave some 4 KB in Redis for good. A sweep runs at every start (a scheduled run's
 * too), so what Redis holds is bounded by the exports of one retention period, whatever the fleet's age.
 *
 * What stays on S3 (parts, manifest, `_SUCCESS`, `_ranges/`, watermarks) is not touched: `resume --dest`
 * rebuilds an export Redis forgot, and incremental exports read their watermark from S3.
 */
export class ExportRetention {
  private readonly registry: ExportRegistry;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly retentionMs: number = EXPORT_RETENTION_DEFAULT_MS,
  ) {
    this.registry = new ExportRegistry(redis, prefix);
  }

  /** Forgets every export that finished before `now - retention`; returns their ids. */
  async sweep(now = Date.now()): Promise<string[]> {
    const cutoff = now - this.retentionMs;
    const candidates = await this.registry.startedBefore(cutoff, SWEEP_LIMIT);
    const forgotten: string[] = [];
    for (const exportId of candidates) {
      const record = await this.registry.get(exportId);
      if (record && !finishedBefore(record, cutoff)) continue;
      // A failed export held its handed-over credential for a retry; forgotten, it can no longer be retried.
      if (record)
        await new HandedCredentials(this.redis, this.prefix, {}).release(
          record.spec.source.kind,
          accountOf(record.spec.source),
          `export:${exportId}`,
        );
      await this.forget(exportId);
      forgotten.push(exportId);
    }
    return forgotten;
  }

  /** Deletes every key of the export, the index entry last: a sweep cut short is finished by the next one. */
  private async forget(exportId: string): Promise<void> {
    const board = new RangeBoard(this.redis, this.prefix);
    const checkpoints = new CheckpointStore(this.redis, this.prefix);
    const ranges = (await board.count(exportId)) ?? 0;
    const keys = [
      board.key(exportId),
      new CommitFence(this.redis, this.prefix).key(exportId),
      new ExportControl(this.redis, this.prefix).key(exportId),
      new NotificationDeliveries(this.redis, this.prefix).key(exportId),
      ...Array.from({ length: ranges }, (_, index) => checkpoints.key(exportId, index)),
    ];
    await this.redis.del(...keys);
    await this.registry.remove(exportId);
  }
}

/**
 * Whether the export committed, failed or was cancelled before `cutoff`. An export that failed without a
 * finish time (recorded so by an earlier version) counts from its start.
 */
function finishedBefore(record: ExportRecord, cutoff: number): boolean {
  if (record.state === 'running' || record.state === 'paused') return false;
  const finished = Date.parse(record.finishedAt ?? record.spec.createdAt);
  return Number.isFinite(finished) && finished < cutoff;
}
