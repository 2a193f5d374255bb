import { GENERATED_HISTORY_END_MICROS } from './contact-generator.js';

/**
 * The simulator's notion of time: `now()` (milliseconds; injectable so tests can move time without
 * waiting) for cursor ages, rate windows and `now` moments, and strictly increasing microsecond
 * timestamps for mutations that are never earlier than the generated history.
 */
export class MutationClock {
  private lastMicros = GENERATED_HISTORY_END_MICROS;

  constructor(readonly now: () => number) {}

  nowMicros(): number {
    return Math.floor(this.now() * 1000);
  }

  nextMutationMicros(): number {
    this.lastMicros = Math.max(this.nowMicros(), this.lastMicros + 1);
    return this.lastMicros;
  }
}
