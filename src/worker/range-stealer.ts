import type { Logger } from '../logging/logger.js';

/** How often an idle worker looks for a range to split, besides right after one of its ranges ends. */
export const STEAL_INTERVAL_MS = 1_000;

export interface RangeStealerOptions {
  concurrency: number;
  /** Ranges this worker is working on now. */
  active: () => number;
  /** Ranges waiting in the queue for any worker. */
  waiting: () => Promise<number>;
  /** One split (see work-stealing.ts); whether it made one. */
  steal: () => Promise<boolean>;
  logger: Logger;
}

/**
 * Keeps this worker's slots busy: while a slot is free and no range waits, it splits a running range
 * (`steal`) so that the new range can be taken, by this worker or another. It looks every
 * STEAL_INTERVAL_MS, at once when one of its ranges ends, and again at once after a split.
 */
export class RangeStealer {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;

  constructor(private readonly options: RangeStealerOptions) {
    this.schedule(STEAL_INTERVAL_MS);
  }

  /** A range of this worker ended: a slot is free now. */
  nudge(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    let split = false;
    try {
      if (this.options.active() < this.options.concurrency && (await this.options.waiting()) === 0) split = await this.options.steal();
    } catch (error) {
      this.options.logger.warn({ err: (error as Error).message }, 'could not split a running range; trying again later');
    } finally {
      this.running = false;
      this.schedule(split ? 0 : STEAL_INTERVAL_MS);
    }
  }
}
