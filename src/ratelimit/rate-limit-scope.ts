import type { RateLimitSpec } from './rate-limit-spec.js';

/**
 * What an API counts requests against: the `organization` (the account: every credential of it shares
 * the count) or each `key` (credential) of it apart.
 */
export type RateLimitScope = 'organization' | 'key';

/**
 * The scopes a source's API limits requests by, each with its limit as a multiple of the source's rate
 * limit (its published default, or `--rate-limit`): the organization always; each key too where the API
 * counts keys apart (Close: `{ key: 1, organization: 3 }`, so `--rate-limit` is a key's limit).
 */
export interface RateLimitScopes {
  readonly organization: number;
  readonly key?: number;
}

/** An API that counts requests per organization only (Virtuous): one budget per account, at the rate limit. */
export const ORGANIZATION_ONLY: RateLimitScopes = { organization: 1 };

/** The limit of one scope: `multiple` times the source's rate limit, over the same window. */
export function scopedRateLimit(limit: RateLimitSpec, multiple: number): RateLimitSpec {
  return { requests: limit.requests * multiple, windowMs: limit.windowMs };
}
