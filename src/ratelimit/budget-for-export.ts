import type { Redis } from 'ioredis';
import type { ExportSpec, RateLimitSpec, SourceSpec } from '../queue/export-spec.js';
import { budgetKey, RedisTokenBucket } from './redis-token-bucket.js';
import type { RequestBudget } from './request-budget.js';

/**
 * The published budget per source, used when the export has no `--rate-limit`.
 *
 * Virtuous: 5,000 requests per hour per organization (shared by every key of the organization).
 * Older Virtuous pages say 1,500 per hour; an organization on that limit should start the export
 * with `--rate-limit 1500/1h` (any `--rate-limit` replaces this default). Either way the bucket
 * follows the server's `X-RateLimit-*` headers, so a lower real limit costs at most one 429 per window.
 */
export const DEFAULT_RATE_LIMITS: Record<SourceSpec['kind'], RateLimitSpec> = {
  virtuous: { requests: 5000, windowMs: 3_600_000 },
  // Close publishes no fixed figure: limits are per endpoint group, per key and per organization (3x a
  // key's), and its documentation's example is 20 requests per second per key. The bucket starts there
  // and the `RateLimit:` header of every answer corrects it to the real allowance.
  close: { requests: 20, windowMs: 1000 },
};

/**
 * The request budget every worker spending this export's credential shares: one Redis token bucket
 * per source and credential fingerprint, so every export, worker and planner using the same token
 * draws from the same budget.
 *
 * Burst: the whole window's budget (`requests`). The APIs count fixed windows, so a fleet may spend a
 * window as fast as it can; the server's `remaining`/`reset` headers then stop everyone when the
 * window is spent, until its reset. A refill at `requests / window` keeps the long-run rate right for
 * servers that send no headers. After any pause (a 429, or a spent window) the bucket lets a single
 * probe request go first and gives out the rest only once the server's answer shows the new window's
 * allowance, so a reset that comes early by our clock, or a window another tool already spent, costs
 * one 429 rather than a burst of them.
 */
export function budgetForExport(redis: Redis, prefix: string, spec: Pick<ExportSpec, 'source' | 'rateLimit'>): RequestBudget {
  const limit = spec.rateLimit ?? DEFAULT_RATE_LIMITS[spec.source.kind];
  return new RedisTokenBucket(redis, {
    key: budgetKey(prefix, spec.source.kind, spec.source.credentialFingerprint),
    requests: limit.requests,
    windowMs: limit.windowMs,
    burst: limit.requests,
  });
}
