import { GENERATED_HISTORY_END } from './contact-generator.js';
import { timestampFromEpochMs, type SimTimestamp } from './dotnet-timestamp.js';

/**
 * Time used for mutations: wall-clock milliseconds, but strictly increasing and never earlier than the
 * generated history, so every edit is newer than everything before it.
 */
export class SimulatorClock {
  private lastMs = GENERATED_HISTORY_END * 1000;

  constructor(private readonly now: () => number = Date.now) {}

  nowMs(): number {
    return this.now();
  }

  nextMutationTimestamp(): SimTimestamp {
    this.lastMs = Math.max(this.now(), this.lastMs + 1);
    return timestampFromEpochMs(this.lastMs);
  }
}
