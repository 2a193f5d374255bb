import type { Redis } from 'ioredis';
import type { Queue } from './bullmq.js';
import type { FleetRoster, SilentWorker } from './fleet-roster.js';

/** A job taken back from a worker presumed dead and put back in its queue. */
export interface HandedOverJob {
  queue: string;
  jobId: string;
  /** The dead worker's roster id. */
  workerId: string;
  /** Data of the job, as it was in its queue (a range job's spec and range, an export job's spec). */
  data: unknown;
}

/**
 * Hands on the jobs of workers presumed dead (silent in the fleet roster for PRESUMED_DEAD_AFTER_MS, as a
 * beat found them), so
 * that a SIGKILLed, OOM-killed or preempted worker's ranges move on within about two seconds instead of
 * waiting for their locks to lapse and the stall check to find them.
 *
 * A job is moved back to waiting only while its lock still holds the dead worker's token: BullMQ's
 * `moveToWait(token)` checks the token and removes the lock in one script, so a job another worker has
 * taken since (or that two live workers try to hand on at once) is left alone. A worker taken for dead
 * that is in fact alive loses its job's lock: its next checkpoint write is refused if the new owner got
 * there first, and its part objects carry its own attempt tag, so nothing is committed twice. `self` is
 * never handed over, whatever its roster entry says.
 */
export async function handOverDeadWorkers(
  silentWorkers: readonly SilentWorker[],
  self: string,
  { roster, redis, queues }: { roster: FleetRoster; redis: Redis; queues: readonly Queue[] },
): Promise<HandedOverJob[]> {
  const silent = silentWorkers.filter((worker) => worker.workerId !== self);
  if (silent.length === 0) return [];
  const handed: HandedOverJob[] = [];
  for (const queue of queues) {
    for (const job of await queue.getActive()) {
      if (!job?.id) continue;
      const token = await redis.get(`${queue.toKey(job.id)}:lock`);
      const owner = token === null ? undefined : ownerOf(token, silent);
      if (!owner || token === null) continue;
      try {
        await job.moveToWait(token);
        handed.push({ queue: queue.name, jobId: job.id, workerId: owner.workerId, data: job.data });
      } catch {
        // The lock moved on between the read and the move: another worker handed it on or took it.
      }
    }
  }
  for (const worker of silent) await roster.forget(worker);
  return handed;
}

/** The silent worker whose BullMQ worker holds a lock token `<bullmq worker id>:<n>`. */
function ownerOf(token: string, silent: readonly SilentWorker[]): SilentWorker | undefined {
  const owner = token.slice(0, token.lastIndexOf(':'));
  return silent.find((worker) => worker.entry.lockOwners.includes(owner));
}
