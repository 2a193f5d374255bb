import type { Redis } from 'ioredis';
import { OrganizationAndKeyBudget } from '../ratelimit/organization-and-key-budget.js';
import { ORGANIZATION_ONLY, scopedRateLimit, type RateLimitScope, type RateLimitScopes } from '../ratelimit/rate-limit-scope.js';
import type { RateLimitSpec } from '../ratelimit/rate-limit-spec.js';
import { budgetKey, keyBudgetKey, RedisTokenBucket } from '../ratelimit/redis-token-bucket.js';
import type { RequestBudget } from '../ratelimit/request-budget.js';
import { accountOf } from '../accounts/account-name.js';
import { sourceDefinition } from './registry.js';
import type { SourceDefinition } from './source-definition.js';
import type { SourceSpec } from './source-spec.js';

/**
 * The request budget every worker reading this export's account shares: one Redis token bucket per
 * source and account (the organization's), so every export, worker and planner reading the same
 * organization draws from the same budget, with whichever of its credentials. Where the source limits
 * each key too (its definition's `rateLimit.scopes`, Close), every request also takes from its key's
 * bucket, in the same script call. Without `--rate-limit`, the source's published budget; either way the
 * buckets follow what the server's answers say, read in the source's rate-limit dialect.
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
  const scopes = rateLimitScopesOf(definition);
  const account = accountOf(spec.source);
  const bucket = (scoped: RateLimitSpec) => ({
    requests: scoped.requests,
    windowMs: scoped.windowMs,
    burst: scoped.requests,
    dialect: definition.rateLimit.dialect,
  });
  const organization = { key: budgetKey(prefix, spec.source.kind, account), ...bucket(scopedRateLimit(limit, scopes.organization)) };
  if (scopes.key === undefined) return new RedisTokenBucket(redis, organization);
  return new OrganizationAndKeyBudget(redis, {
    organization,
    key: {
      ...bucket(scopedRateLimit(limit, scopes.key)),
      keyOf: (credentialFingerprint) => keyBudgetKey(prefix, spec.source.kind, account, credentialFingerprint),
    },
    defaultCredentialFingerprint: spec.source.credentialFingerprint,
  });
}

/** The budget a source's exports get without `--rate-limit`; undefined for a source this version does not know. */
export function defaultRateLimit(source: string): RateLimitSpec | undefined {
  return knownDefinition(source)?.rateLimit.default;
}

/** What a source's API limits requests by; the organization alone for a source this version does not know. */
export function rateLimitScopes(source: string): RateLimitScopes {
  const definition = knownDefinition(source);
  return definition ? rateLimitScopesOf(definition) : ORGANIZATION_ONLY;
}

/** The limit of one scope of a source's budget, from the export's rate limit (`--rate-limit`, or the default). */
export function rateLimitOfScope(source: string, limit: RateLimitSpec, scope: RateLimitScope): RateLimitSpec | undefined {
  const multiple = rateLimitScopes(source)[scope];
  return multiple === undefined ? undefined : scopedRateLimit(limit, multiple);
}

/**
 * A source's default budget by scope, for `--rate-limit`'s help: `virtuous 5000/1h per organization`,
 * `close 20/1s per key, 60/1s per organization`; `format` writes a rate limit.
 */
export function describeDefaultBudget(definition: SourceDefinition, format: (limit: RateLimitSpec) => string): string {
  const scopes = rateLimitScopesOf(definition);
  const limit = definition.rateLimit.default;
  const parts = (['key', 'organization'] as const).flatMap((scope) => {
    const multiple = scopes[scope];
    return multiple === undefined ? [] : [`${format(scopedRateLimit(limit, multiple))} per ${scope}`];
  });
  return `${definition.name} ${parts.join(', ')}`;
}

function rateLimitScopesOf(definition: SourceDefinition): RateLimitScopes {
  return definition.rateLimit.scopes ?? ORGANIZATION_ONLY;
}

function knownDefinition(source: string): SourceDefinition | undefined {
  try {
    return sourceDefinition(source);
  } catch {
    return undefined;
  }
}
