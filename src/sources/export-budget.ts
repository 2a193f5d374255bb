import type { Redis } from 'ioredis';
import type { RateLimitSpec } from '../ratelimit/rate-limit-spec.js';
import { budgetKey, RedisTokenBucket } from '../ratelimit/redis-token-bucket.js';
import type { RequestBudget } from '../ratelimit/request-budget.js';
import { accountOf } from '../accounts/account-name.js';
import { sourceDefinition } from './registry.js';
import type { SourceSpec } from './source-spec.js';

/**
 * The request budget every worker reading this export's account shares: one Redis token bucket per
 * source and account, so every export, worker and planner reading the same organization draws from the
 * same budget, with whichever of its credentials. Without `--rate-limit`, the source's published budget; either way the
 * bucket follows what the server's answers say, read in the source's rate-limit dialect.
 *
 * Burst: the whole window's budget (`requests`). The APIs count fixed windows, so a fleet may spend a
 * window as fast as it can; the server's `remaining`/`reset` headers then stop everyone when the
 * window is spent, until its reset. A refill at `requests / window` keeps the long-run rate right for
 * servers that send no headers. After any pause (a 429, or a spent window) the bucket lets a single
 * probe request go first and gives out the rest only once the server's answer shows the new window's
 * allowance, so a reset that comes early by our clock, or a window another tool already spent, costs
 * one 429 rather than a burst of them.
 */
export function budgetForExport(redis: Redis, prefix: string, spec: { source: SourceSpec; rateLimit: RateLimitSpec | null }): RequestBudget {
  const definition = sourceDefinition(spec.source.kind);
  const limit = spec.rateLimit ?? definition.rateLimit.default;
  return new RedisTokenBucket(redis, {
    key: budgetKey(prefix, spec.source.kind, accountOf(spec.source)),
    requests: limit.requests,
    windowMs: limit.windowMs,
    burst: limit.requests,
    dialect: definition.rateLimit.dialect,
  });
}

/** The budget a source's exports get without `--rate-limit`; undefined for a source this version does not know. */
export function defaultRateLimit(source: string): RateLimitSpec | undefined {
  try {
    return sourceDefinition(source).rateLimit.default;
  } catch {
    return undefined;
  }
}
