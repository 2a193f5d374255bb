import { parseRateLimitHeaders, type ServerRateState } from './rate-limit-headers.js';
import type { RateLimitScope } from './rate-limit-scope.js';

/**
 * How an API tells its rate allowance and its refusals. A source's definition names its dialect; the
 * shared budget and the HTTP client read answers through it.
 */
export interface RateLimitDialect {
  /** What an answer says about the caller's remaining allowance; undefined when it says nothing. */
  allowance(headers: Headers, localNowMs?: number): ServerRateState | undefined;
  /**
   * How long a 429's body asks to wait, in milliseconds, when the API says it there more precisely than
   * in `Retry-After`; undefined to use `Retry-After` (then the allowance's reset).
   */
  refusalWaitMs?(body: string): number | undefined;
  /**
   * Which limit a 429's body says ran out (Close's `rate_limit_type`: the key's or the organization's), so
   * that only its budget pauses; undefined when it does not say (every limit of the request pauses).
   */
  refusalScope?(body: string): RateLimitScope | undefined;
}

/** Every header style `parseRateLimitHeaders` knows (`X-RateLimit-*`, `RateLimit:`, `X-Rate-Limit-*`, `RateLimit-*`), no body. */
export const STANDARD_RATE_LIMIT_HEADERS: RateLimitDialect = { allowance: parseRateLimitHeaders };
