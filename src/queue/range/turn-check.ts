import type { Redis } from 'ioredis';
import { RANGE_QUEUE } from '../queue-names.js';

/** How often a running range looks whether an earlier turn waits: one Redis read per range at most this often. */
const LOOK_EVERY_MS = 500;

/** BullMQ's score of a prioritized job: its priority times 2^32, plus a counter that keeps equal priorities in order. */
const PRIORITY_SCORE_UNIT = 0x100000000;

/**
 * Whether a range waits in the queue whose turn (its BullMQ priority, enqueue-export.ts) is earlier than the
 * running range's: then the running range gives its slot to it at the next page, so that an export started
 * after a large one gets slots while the large one runs, not only once the large one's ranges end. A range's
 * own turn is its job's priority; a job without one (queued by an older version) never gives way.
 */
export class TurnCheck {
  private lookedAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ownTurn: number,
  ) {}

  /** True when an earlier turn waits; looks at most every LOOK_EVERY_MS, and says false in between. */
  async earlierTurnWaits(): Promise<boolean> {
    if (this.ownTurn <= 1) return false;
    const now = Date.now();
    if (now - this.lookedAt < LOOK_EVERY_MS) return false;
    this.lookedAt = now;
    const [, score] = await this.redis.zrange(`${this.prefix}:${RANGE_QUEUE}:prioritized`, 0, 0, 'WITHSCORES');
    return score !== undefined && Math.floor(Number(score) / PRIORITY_SCORE_UNIT) < this.ownTurn;
  }
}
