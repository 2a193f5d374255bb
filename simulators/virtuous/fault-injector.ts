import { SequentialRandom } from './sequential-random.js';

export interface FaultOptions {
  /** Fraction of requests answered 500 or 503. */
  errorRate?: number;
  /** Fraction of requests whose socket is destroyed without a response. */
  dropRate?: number;
  /** Added latency: fixed, or uniform in [min, max]. */
  latencyMs?: number | [number, number];
  seed?: number;
}

export type FaultDecision =
  { latencyMs: number; outcome: 'answer' } | { latencyMs: number; outcome: 'drop' } | { latencyMs: number; outcome: 'error'; status: 500 | 503 };

/** Decides, per request and reproducibly from its seed, whether and how a request fails. */
export class FaultInjector {
  private errorRate = 0;
  private dropRate = 0;
  private latency: [number, number] = [0, 0];
  private random = new SequentialRandom(1);

  constructor(
    faults: FaultOptions | undefined,
    private readonly defaultSeed: number,
  ) {
    this.configure(faults);
  }

  configure(faults: FaultOptions | undefined): void {
    this.errorRate = clampFraction(faults?.errorRate);
    this.dropRate = clampFraction(faults?.dropRate);
    const latency = faults?.latencyMs ?? 0;
    const [low, high] = Array.isArray(latency) ? latency : [latency, latency];
    this.latency = [Math.max(0, Math.min(low, high)), Math.max(0, low, high)];
    this.random = new SequentialRandom(faults?.seed ?? this.defaultSeed);
  }

  decide(): FaultDecision {
    // Always draw the same number of values so that one fault setting does not shift the others' sequence.
    const dropRoll = this.random.next();
    const errorRoll = this.random.next();
    const statusRoll = this.random.next();
    const latencyRoll = this.random.next();
    const [low, high] = this.latency;
    const latencyMs = low + (high - low) * latencyRoll;
    if (dropRoll < this.dropRate) return { latencyMs, outcome: 'drop' };
    if (errorRoll < this.errorRate) return { latencyMs, outcome: 'error', status: statusRoll < 0.5 ? 500 : 503 };
    return { latencyMs, outcome: 'answer' };
  }
}

function clampFraction(value: number | undefined): number {
  return value === undefined || !Number.isFinite(value) ? 0 : Math.min(1, Math.max(0, value));
}
