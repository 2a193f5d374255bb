import { parseRateLimitHeaders } from '../../ratelimit/rate-limit-headers.js';
import type { RateLimitDialect } from '../../ratelimit/rate-limit-dialect.js';

/**
 * Close's rate limits (docs/sources/close.md, "Evidence: rate limit and errors"): the `RateLimit:` header
 * (older: `X-Rate-Limit-*`) on every answer, and a 429 body `{"error":{"rate_reset":0.87,...}}` giving the
 * wait in fractional seconds, more precisely than its whole-second `Retry-After`.
 */
export const CLOSE_RATE_LIMIT_DIALECT: RateLimitDialect = {
  allowance: parseRateLimitHeaders,
  refusalWaitMs: rateResetFromBody,
};

/** The wait a 429 body gives as `rate_reset` (fractional seconds), in milliseconds; undefined when absent. */
export function rateResetFromBody(body: string): number | undefined {
  if (!body.includes('rate_reset')) return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { rate_reset?: unknown }; rate_reset?: unknown };
    const value = parsed.error?.rate_reset ?? parsed.rate_reset;
    const seconds = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
    return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
  } catch {
    return undefined;
  }
}
