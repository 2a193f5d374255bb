import type { Redis } from 'ioredis';
import { InvalidInputError } from '../../errors/index.js';
import { ExportControl } from '../export-control.js';
import { ExportRegistry } from '../export-registry.js';
import { openExportJobs } from './export-jobs.js';

/** Parks every range of the export after its current page (what was read is saved as a part first). */
export async function pauseExport(redis: Redis, prefix: string, exportId: string): Promise<void> {
  const jobs = await openExportJobs(redis, prefix, exportId);
  try {
    const control = new ExportControl(redis, prefix);
    if ((await control.get(exportId)) === 'cancel') throw new InvalidInputError(`Export ${exportId} was cancelled; it cannot be paused.`);
    await control.set(exportId, 'pause');
    await new ExportRegistry(redis, prefix).update(exportId, { state: 'paused' });
  } finally {
    await jobs.close();
  }
}

/** Lets a paused export go on at once: clears the pause and promotes its parked ranges. Returns how many were promoted. */
export async function unpauseExport(redis: Redis, prefix: string, exportId: string): Promise<number> {
  const jobs = await openExportJobs(redis, prefix, exportId);
  try {
    const control = new ExportControl(redis, prefix);
    if ((await control.get(exportId)) === 'cancel') throw new InvalidInputError(`Export ${exportId} was cancelled; start a new export instead.`);
    await control.clear(exportId);
    await new ExportRegistry(redis, prefix).update(exportId, { state: 'running' });
    let promoted = 0;
    for (const job of jobs.rangeJobs) {
      if (job && (await job.isDelayed())) {
        await job.promote().catch(() => undefined);
        promoted += 1;
      }
    }
    return promoted;
  } finally {
    await jobs.close();
  }
}
