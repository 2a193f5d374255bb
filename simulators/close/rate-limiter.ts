import { RATE_WINDOW_ALIGNMENTS, type RateWindowAlignment } from '../virtuous/rate-window.js';

/**
 * Which budget the `RateLimit` header reports, which the evidence leaves open: always the key's, always
 * the organization's, or whichever has fewer requests left (`tighter`).
 */
export const RATE_LIMIT_HEADER_SCOPES = ['tighter', 'key', 'organization'] as const;
export type RateLimitHeaderScope = (typeof RATE_LIMIT_HEADER_SCOPES)[number];

export interface CloseRateLimitOptions {
  /** Requests per window and key (the API key, and each OAuth access token). */
  limit: number;
  windowMs: number;
  /** Requests per window for the whole organization, every key together; default 3x `limit`. */
  organizationLimit?: number;
  /** How every budget's windows are placed in time (see `RateWindowAlignment`); default `first-request`. */
  alignment?: RateWindowAlignment;
  /** Which budget the `RateLimit` header reports; default `tighter`. */
  header?: RateLimitHeaderScope;
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

/** Where one budget stands at a moment. */
interface WindowState {
  remaining: number;
  resetMs: number;
  spent: boolean;
}

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
  observe(now: number): WindowState {
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
 * Close-style rate limiting: a budget per key (the API key, each OAuth access token) and one per
 * organization (default 3x a key's) that every key draws from, all fixed windows placed by `alignment`.
 * Every response carries `RateLimit: limit=N, remaining=N, reset=S` (reset in fractional seconds) for the
 * budget `header` names; a refusal's is the budget that refused, in `tighter` mode. A refused request is
 * charged to no budget.
 */
export class CloseRateLimiter {
  private readonly keys = new Map<string, FixedWindow>();
  private readonly organization: FixedWindow;
  private readonly headerScope: RateLimitHeaderScope;
  private readonly keyLimit: { limit: number; windowMs: number; enforced: boolean; alignment: RateWindowAlignment };

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
    this.headerScope = options?.header ?? 'tighter';
    if (!RATE_LIMIT_HEADER_SCOPES.includes(this.headerScope)) {
      throw new RangeError(`rateLimit.header must be one of ${RATE_LIMIT_HEADER_SCOPES.join(', ')}, got ${String(this.headerScope)}`);
    }
    const { limit, windowMs } = options ?? UNLIMITED;
    this.keyLimit = { limit, windowMs, enforced: options !== undefined, alignment };
    this.organization = new FixedWindow(options?.organizationLimit ?? limit * 3, windowMs, options !== undefined, alignment);
  }

  /** Charges a request of the key `keyId` (any stable name of the credential) to its budget and the organization's, or refuses it. */
  consume(keyId: string): RateDecision {
    const now = this.now();
    const window = this.keyWindow(keyId);
    const key = window.observe(now);
    const organization = this.organization.observe(now);
    const refusedBy = key.spent ? 'key' : organization.spent ? 'organization' : undefined;
    if (refusedBy) {
      const refusing = refusedBy === 'key' ? window : this.organization;
      const state = refusedBy === 'key' ? key : organization;
      const header = this.headerScope === 'tighter' ? rateHeader(refusing.limit, 0, state.resetMs) : this.header(window, key, organization);
      return {
        allowed: false,
        header,
        refusal: { type: refusedBy, limit: refusing.limit, windowSeconds: refusing.windowMs / 1000, resetSeconds: seconds(state.resetMs) },
      };
    }
    window.charge();
    this.organization.charge();
    return { allowed: true, header: this.header(window, charged(key), charged(organization)) };
  }

  /** The header of an answer charged to nobody (a refused credential): as for a key that has sent nothing yet. */
  peek(): string {
    const now = this.now();
    const unused = this.newKeyWindow();
    return this.header(unused, unused.observe(now), this.organization.observe(now));
  }

  private header(keyWindow: FixedWindow, key: WindowState, organization: WindowState): string {
    const reportOrganization = this.headerScope === 'organization' || (this.headerScope === 'tighter' && organization.remaining < key.remaining);
    return reportOrganization
      ? rateHeader(this.organization.limit, organization.remaining, organization.resetMs)
      : rateHeader(keyWindow.limit, key.remaining, key.resetMs);
  }

  private keyWindow(keyId: string): FixedWindow {
    let window = this.keys.get(keyId);
    if (!window) {
      window = this.newKeyWindow();
      this.keys.set(keyId, window);
    }
    return window;
  }

  private newKeyWindow(): FixedWindow {
    const { limit, windowMs, enforced, alignment } = this.keyLimit;
    return new FixedWindow(limit, windowMs, enforced, alignment);
  }
}

/** The state after charging one request. */
function charged(state: WindowState): WindowState {
  return { ...state, remaining: Math.max(0, state.remaining - 1) };
}

function rateHeader(limit: number, remaining: number, resetMs: number): string {
  return `limit=${limit}, remaining=${Math.max(0, remaining)}, reset=${seconds(resetMs)}`;
}

/** Milliseconds as seconds with at most three decimals (0.87, 1, 0.004). */
function seconds(ms: number): number {
  return Math.round(Math.max(0, ms)) / 1000;
}
