import { parseRateLimitHeaders } from '../../ratelimit/rate-limit-headers.js';
import type { RateLimitDialect } from '../../ratelimit/rate-limit-dialect.js';
import type { RateLimitScope } from '../../ratelimit/rate-limit-scope.js';

/**
 * Close's rate limits (docs/sources/close.md, "Evidence: rate limit and errors"): the `RateLimit:` header
 * (older: `X-Rate-Limit-*`) on every answer, and a 429 body `{"error":{"rate_reset":0.87,...,"rate_limit_type":"key"}}`
 * giving the wait in fractional seconds, more precisely than its whole-second `Retry-After`, and which limit
 * refused: the key's or the organization's.
 */
export const CLOSE_RATE_LIMIT_DIALECT: RateLimitDialect = {
  allowance: parseRateLimitHeaders,
  refusalWaitMs: rateResetFromBody,
  refusalScope: rateLimitTypeFromBody,
};

/** The wait a 429 body gives as `rate_reset` (fractional seconds), in milliseconds; undefined when absent. */
export function rateResetFromBody(body: string): number | undefined {
  if (!body.includes('rate_reset')) return undefined;
  const value = refusalField(body, 'rate_reset');
  const seconds = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * The limit a 429 body names as `rate_limit_type`: `key` or `organization`; undefined when absent or another
 * value (an endpoint group's, say), which pauses every limit of the request.
 */
export function rateLimitTypeFromBody(body: string): RateLimitScope | undefined {
  if (!body.includes('rate_limit_type')) return undefined;
  const value = refusalField(body, 'rate_limit_type');
  return value === 'key' || value === 'organization' ? value : undefined;
}

/** A field of the 429 body's `error` object (or of the body itself); undefined when the body is not JSON. */
function refusalField(body: string, name: string): unknown {
  try {
    const parsed = JSON.parse(body) as { error?: Record<string, unknown> } & Record<string, unknown>;
    return parsed.error?.[name] ?? parsed[name];
  } catch {
    return undefined;
  }
}
