import { PRESUMED_DEAD_AFTER_MS } from '../queue/fleet-roster.js';

/**
 * Whether a worker's own beats have gone through without a gap for long enough that the silence of
 * another worker means that worker is dead. After Redis was away (a restart, a Cluster failover), every
 * worker's last beat is old, and the workers reconnect one after another: a worker that has just come
 * back must not hand on the jobs of the others before they have had PRESUMED_DEAD_AFTER_MS to beat again.
 */
export class BeatContinuity {
  private since: number | undefined;
  private last: number | undefined;

  /** A beat went through at `at` (Redis time, ms). A gap as long as a presumed death starts a new run. */
  beat(at: number): void {
    if (this.last === undefined || this.since === undefined || at - this.last > PRESUMED_DEAD_AFTER_MS) this.since = at;
    this.last = at;
  }

  /** The beats have gone through for PRESUMED_DEAD_AFTER_MS or more, up to the last one. */
  get steady(): boolean {
    return this.since !== undefined && this.last !== undefined && this.last - this.since >= PRESUMED_DEAD_AFTER_MS;
  }
}
