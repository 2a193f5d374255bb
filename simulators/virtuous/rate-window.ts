export interface RateLimitOptions {
  limit: number;
  windowMs: number;
}

export interface RateVerdict {
  allowed: boolean;
  /** Headers every response carries (plus `Retry-After` when refused). */
  headers: Record<string, string>;
}

/** Budget advertised when no limit is configured; it is never enforced. */
const UNLIMITED: RateLimitOptions = { limit: 1_000_000, windowMs: 3_600_000 };

/**
 * Fixed-window request budget. A window opens with the first request after the previous one ended,
 * so a burst is never split across windows by accident.
 */
export class RateWindow {
  private readonly options: RateLimitOptions;
  private readonly enforced: boolean;
  private windowEnd = -Infinity;
  private used = 0;
  private stormEnd = -Infinity;

  constructor(
    options: RateLimitOptions | undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.enforced = options !== undefined;
    this.options = options ?? UNLIMITED;
    if (!(this.options.limit >= 0) || !(this.options.windowMs > 0)) {
      throw new RangeError(`rateLimit needs limit >= 0 and windowMs > 0, got ${JSON.stringify(options)}`);
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
      this.windowEnd = now + this.options.windowMs;
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
}
