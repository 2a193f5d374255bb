import type { Logger } from '../logging/logger.js';
import type { HandedOverJob } from '../queue/dead-worker-handover.js';
import { ROSTER_BEAT_MS, type FleetRoster, type SilentWorker } from '../queue/fleet-roster.js';
import { BeatContinuity } from './beat-continuity.js';

export interface FleetHeartbeatOptions {
  roster: FleetRoster;
  workerId: string;
  concurrency: number;
  /** The ids of this process's BullMQ workers now (their lock tokens start with them; a replaced worker has a new one). */
  lockOwners: () => string[];
  /** Hands on the jobs of workers presumed dead (see dead-worker-handover.ts). */
  handOver: (silent: readonly SilentWorker[]) => Promise<HandedOverJob[]>;
  /** Told of every job handed on, after it is back in its queue. */
  onHandedOver: (job: HandedOverJob) => void;
  logger: Logger;
}

/**
 * Every ROSTER_BEAT_MS a worker says in the fleet roster that it is alive, then hands on the jobs of any
 * worker that has stopped saying so, once its own beats have gone through long enough to tell (see
 * BeatContinuity). Each live worker looks, so a dead worker's ranges move on as long as one worker is
 * left; two looking at once hand each job on once.
 */
export class FleetHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly continuity = new BeatContinuity();

  constructor(private readonly options: FleetHeartbeatOptions) {}

  /** The first beat, awaited: planning counts this worker's slots from then on. */
  async start(): Promise<void> {
    await this.beat();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ROSTER_BEAT_MS);
    this.timer.unref();
  }

  /** Beats; the workers found silent, or none when the beat failed. */
  private async beat(): Promise<readonly SilentWorker[]> {
    const { roster, workerId, concurrency, lockOwners } = this.options;
    try {
      const { at, silent } = await roster.beat(workerId, concurrency, lockOwners());
      this.continuity.beat(at);
      return silent;
    } catch {
      // Redis is away for a moment: the next beat makes up for this one, and the gap restarts the continuity.
      return [];
    }
  }

  private async tick(): Promise<void> {
    const silent = await this.beat();
    try {
      if (!this.stopped && this.continuity.steady && silent.length > 0) {
        for (const job of await this.options.handOver(silent)) {
          this.options.logger.info({ queue: job.queue, jobId: job.jobId, deadWorker: job.workerId }, 'handed on a job of a worker presumed dead');
          this.options.onHandedOver(job);
        }
      }
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'could not hand on the jobs of dead workers; trying again at the next beat');
    } finally {
      this.schedule();
    }
  }
}
