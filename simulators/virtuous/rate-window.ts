/**
 * How the fixed window is placed in time (the evidence gives a window length and a reset in whole
 * seconds, not how a window is aligned, so each plausible placement is a mode):
 * - `first-request`: a window opens with the first request after the previous one ended (default);
 * - `clock`: windows are the multiples of `windowMs` since the Unix epoch (hour boundaries for an hour).
 */
export type RateWindowAlignment = 'first-request' | 'clock';

export const RATE_WINDOW_ALIGNMENTS: readonly RateWindowAlignment[] = ['first-request', 'clock'];

export interface RateLimitOptions {
  limit: number;
  windowMs: number;
  /** Default `first-request`. */
  alignment?: RateWindowAlignment;
}

export interface RateVerdict {
  allowed: boolean;
  /** Headers every response carries (plus `Retry-After` when refused). */
  headers: Record<string, string>;
}

/** Budget advertised when no limit is configured; it is never enforced. */
const UNLIMITED: RateLimitOptions = { limit: 1_000_000, windowMs: 3_600_000 };

/**
 * Fixed-window request budget, its windows placed by `alignment`. Every answer reports the window's
 * end as `X-RateLimit-Reset` in Unix seconds, rounded up (the header has no finer unit).
 */
export class RateWindow {
  private readonly options: RateLimitOptions;
  private readonly enforced: boolean;
  private readonly alignment: RateWindowAlignment;
  private windowEnd = -Infinity;
  private used = 0;
  private stormEnd = -Infinity;

  constructor(
    options: RateLimitOptions | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.enforced = options !== undefined;
    this.options = options ?? UNLIMITED;
    this.alignment = this.options.alignment ?? 'first-request';
    if (!(this.options.limit >= 0) || !(this.options.windowMs > 0)) {
      throw new RangeError(`rateLimit needs limit >= 0 and windowMs > 0, got ${JSON.stringify(options)}`);
    }
    if (!RATE_WINDOW_ALIGNMENTS.includes(this.alignment)) {
      throw new RangeError(`rateLimit.alignment must be one of ${RATE_WINDOW_ALIGNMENTS.join(', ')}, got ${String(this.alignment)}`);
    }
  }

  /** Refuses every request with 429 until `durationMs` from now, as a server under a rate-limit storm does. */
  storm(durationMs: number): void {
    this.stormEnd = this.now() + durationMs;
  }

  /** Counts one request against the budget unless the budget is spent (a refused request is free). */
  consume(): RateVerdict {
    const now = this.now();
    if (now < this.stormEnd) {
      return {
        allowed: false,
        headers: {
          'X-RateLimit-Limit': String(this.options.limit),
          'X-RateLimit-Remaining': '0',
          'X-RateLimit-Reset': String(Math.ceil(this.stormEnd / 1000)),
          'Retry-After': String(Math.max(1, Math.ceil((this.stormEnd - now) / 1000))),
        },
      };
    }
    if (now >= this.windowEnd) {
      this.windowEnd = this.nextWindowEnd(now);
      this.used = 0;
    }
    const allowed = !this.enforced || this.used < this.options.limit;
    if (allowed) this.used++;
    const headers: Record<string, string> = {
      'X-RateLimit-Limit': String(this.options.limit),
      'X-RateLimit-Remaining': String(Math.max(0, this.options.limit - this.used)),
      'X-RateLimit-Reset': String(Math.ceil(this.windowEnd / 1000)),
    };
    if (!allowed) headers['Retry-After'] = String(Math.max(1, Math.ceil((this.windowEnd - now) / 1000)));
    return { allowed, headers };
  }

  /** End of the window that holds `now`, when the previous window has ended. */
  private nextWindowEnd(now: number): number {
    const { windowMs } = this.options;
    return this.alignment === 'clock' ? (Math.floor(now / windowMs) + 1) * windowMs : now + windowMs;
  }
}
