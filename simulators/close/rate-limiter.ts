import { RATE_WINDOW_ALIGNMENTS, type RateWindowAlignment } from '../virtuous/rate-window.js';

export interface CloseRateLimitOptions {
  /** Requests per window and API key. */
  limit: number;
  windowMs: number;
  /** Requests per window for the whole organization; default 3x `limit`. */
  organizationLimit?: number;
  /** How both budgets' windows are placed in time (see `RateWindowAlignment`); default `first-request`. */
  alignment?: RateWindowAlignment;
}

export type RateLimitType = 'key' | 'organization';

export interface RateDecision {
  allowed: boolean;
  /** Value of the `RateLimit` header: `limit=40, remaining=12, reset=0.87`. */
  header: string;
  /** When refused: which budget ran out, and the numbers for the 429 body and `Retry-After`. */
  refusal?: { type: RateLimitType; limit: number; windowSeconds: number; resetSeconds: number };
}

/** Advertised when no limit is configured; never enforced. */
const UNLIMITED = { limit: 1_000_000, windowMs: 3_600_000 };

/**
 * One fixed-window budget. A window opens with the first request after the previous one ended
 * (`first-request`), or windows are the multiples of `windowMs` since the Unix epoch (`clock`).
 */
class FixedWindow {
  private windowEnd = -Infinity;
  private used = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly enforced: boolean,
    private readonly alignment: RateWindowAlignment,
  ) {}

  /** Rolls the window forward if it has ended; returns the state at `now`. */
  observe(now: number): { remaining: number; resetMs: number; spent: boolean } {
    if (now >= this.windowEnd) {
      this.windowEnd = this.alignment === 'clock' ? (Math.floor(now / this.windowMs) + 1) * this.windowMs : now + this.windowMs;
      this.used = 0;
    }
    const remaining = Math.max(0, this.limit - this.used);
    return { remaining, resetMs: this.windowEnd - now, spent: this.enforced && remaining === 0 };
  }

  charge(): void {
    this.used++;
  }
}

/**
 * Close-style rate limiting: a budget per API key and one per organization (default 3x the key's),
 * both fixed windows placed by `alignment`. Every response carries `RateLimit: limit=N, remaining=N, reset=S` for the
 * tighter budget (reset in fractional seconds); a refused request is charged to neither budget.
 */
export class CloseRateLimiter {
  private readonly key: FixedWindow;
  private readonly organization: FixedWindow;

  constructor(
    options: CloseRateLimitOptions | undefined,
    private readonly now: () => number,
  ) {
    if (options && (!(options.limit >= 0) || !(options.windowMs > 0) || !((options.organizationLimit ?? 0) >= 0))) {
      throw new RangeError(`rateLimit needs limit >= 0, windowMs > 0 and organizationLimit >= 0, got ${JSON.stringify(options)}`);
    }
    const alignment = options?.alignment ?? 'first-request';
    if (!RATE_WINDOW_ALIGNMENTS.includes(alignment)) {
      throw new RangeError(`rateLimit.alignment must be one of ${RATE_WINDOW_ALIGNMENTS.join(', ')}, got ${String(alignment)}`);
    }
    const { limit, windowMs } = options ?? UNLIMITED;
    this.key = new FixedWindow(limit, windowMs, options !== undefined, alignment);
    this.organization = new FixedWindow(options?.organizationLimit ?? limit * 3, windowMs, options !== undefined, alignment);
  }

  consume(): RateDecision {
    return this.decide(true);
  }

  /** The header without charging anything (for requests that are not attributed to the key). */
  peek(): string {
    return this.decide(false).header;
  }

  private decide(charge: boolean): RateDecision {
    const now = this.now();
    const key = this.key.observe(now);
    const organization = this.organization.observe(now);
    const refusedBy = key.spent ? 'key' : organization.spent ? 'organization' : undefined;
    if (refusedBy) {
      const window = refusedBy === 'key' ? this.key : this.organization;
      const state = refusedBy === 'key' ? key : organization;
      return {
        allowed: false,
        header: rateHeader(window.limit, 0, state.resetMs),
        refusal: { type: refusedBy, limit: window.limit, windowSeconds: window.windowMs / 1000, resetSeconds: seconds(state.resetMs) },
      };
    }
    if (charge) {
      this.key.charge();
      this.organization.charge();
    }
    const keyRemaining = key.remaining - (charge ? 1 : 0);
    const organizationRemaining = organization.remaining - (charge ? 1 : 0);
    const header =
      organizationRemaining < keyRemaining
        ? rateHeader(this.organization.limit, organizationRemaining, organization.resetMs)
        : rateHeader(this.key.limit, keyRemaining, key.resetMs);
    return { allowed: true, header };
  }
}

function rateHeader(limit: number, remaining: number, resetMs: number): string {
  return `limit=${limit}, remaining=${Math.max(0, remaining)}, reset=${seconds(resetMs)}`;
}

/** Milliseconds as seconds with at most three decimals (0.87, 1, 0.004). */
function seconds(ms: number): number {
  return Math.round(Math.max(0, ms)) / 1000;
}
