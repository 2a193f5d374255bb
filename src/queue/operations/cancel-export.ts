import type { Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import { ExportControl } from '../export-control.js';
import { RangeBoard } from '../range-board.js';
import { ExportRegistry } from '../export-registry.js';
import { openExportJobs } from './export-jobs.js';
import { accountOf } from '../../accounts/account-name.js';
import { HandedCredentials } from '../../accounts/handed-credentials.js';

export interface CancelOutcome {
  /** Ranges that were still working when cancel was called (they stop before their next request). */
  stoppedRanges: number;
  /** Whether the export's jobs were removed from Redis (false when a range did not stop in time). */
  jobsRemoved: boolean;
}

/**
 * Cancels an export: every range stops before its next request, nothing more is written, no `_SUCCESS`
 * ever appears. Parts already on S3 stay (they are not listed in any manifest).
 */
export async function cancelExport(redis: Redis, prefix: string, exportId: string, options: { waitMs?: number } = {}): Promise<CancelOutcome> {
  const jobs = await openExportJobs(redis, prefix, exportId);
  try {
    await new ExportControl(redis, prefix).set(exportId, 'cancel');
    const registry = new ExportRegistry(redis, prefix);
    await registry.update(exportId, { state: 'cancelled', finishedAt: new Date().toISOString() });
    const record = await registry.get(exportId);
    // A credential handed over for the account goes once nothing else holds it; the ranges stop before their next request.
    if (record) await new HandedCredentials(redis, prefix, {}).release(record.spec.source.kind, accountOf(record.spec.source), `export:${exportId}`);
    await new RangeBoard(redis, prefix).retire(exportId);
    let stoppedRanges = 0;
    for (const job of jobs.rangeJobs) if (job && (await job.isActive())) stoppedRanges += 1;

    const deadline = Date.now() + (options.waitMs ?? 30_000);
    while (Date.now() < deadline) {
      const active = await Promise.all(jobs.rangeJobs.map((job) => job?.isActive() ?? false));
      if (!active.some(Boolean)) break;
      await delay(200);
    }
    let jobsRemoved = false;
    if (jobs.parent) {
      try {
        await jobs.parent.remove({ removeChildren: true });
        jobsRemoved = true;
      } catch {
        // A range still holds its lock; it fails at its next page and retention trims it later.
      }
    }
    return { stoppedRanges, jobsRemoved };
  } finally {
    await jobs.close();
  }
}
