import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { SourceSpec } from '../../src/queue/export-spec.js';
import { budgetForExport, defaultRateLimit, describeDefaultBudget } from '../../src/sources/export-budget.js';
import { OrganizationAndKeyBudget } from '../../src/ratelimit/organization-and-key-budget.js';
import { parseRateLimitHeaders } from '../../src/ratelimit/rate-limit-headers.js';
import { rateLimitTypeFromBody, rateResetFromBody } from '../../src/sources/close/close-rate-limit.js';
import { RedisTokenBucket } from '../../src/ratelimit/redis-token-bucket.js';
import { closeDefinition } from '../../src/sources/close/close-definition.js';
import { DEFAULT_CLOSE_SETTINGS } from '../../src/sources/close/close-source.js';
import { virtuousDefinition } from '../../src/sources/virtuous/virtuous-definition.js';
import { retryAfterMs } from '../../src/sources/http/retry-after.js';
import { DEFAULT_VIRTUOUS_SETTINGS } from '../../src/sources/virtuous/virtuous-source.js';

const NOW = Date.UTC(2024, 0, 2, 3, 4, 5, 250);

describe('parseRateLimitHeaders', () => {
  it('reads Virtuous X-RateLimit-* with Reset as Unix seconds', () => {
    const headers = new Headers({
      'X-RateLimit-Limit': '5000',
      'X-RateLimit-Remaining': '4321',
      'X-RateLimit-Reset': String(Math.ceil(NOW / 1000) + 1799),
    });
    expect(parseRateLimitHeaders(headers, NOW)).toEqual({ limit: 5000, remaining: 4321, resetDelayMs: 1_799_750 });
  });

  it("reads Close's RateLimit header with a fractional reset in seconds from now", () => {
    expect(parseRateLimitHeaders(new Headers({ RateLimit: 'limit=40, remaining=12, reset=0.87' }), NOW)).toEqual({
      limit: 40,
      remaining: 12,
      resetDelayMs: 870,
    });
    expect(parseRateLimitHeaders(new Headers({ RateLimit: 'limit=40, remaining=0, reset=1' }), NOW)).toEqual({
      limit: 40,
      remaining: 0,
      resetDelayMs: 1000,
    });
  });

  it("reads Close's older X-Rate-Limit-* and the IETF RateLimit-* spellings", () => {
    expect(
      parseRateLimitHeaders(new Headers({ 'X-Rate-Limit-Limit': '40', 'X-Rate-Limit-Remaining': '3', 'X-Rate-Limit-Reset': '0.5' }), NOW),
    ).toEqual({
      limit: 40,
      remaining: 3,
      resetDelayMs: 500,
    });
    expect(parseRateLimitHeaders(new Headers({ 'RateLimit-Remaining': '7', 'RateLimit-Reset': '2' }), NOW)).toEqual({
      remaining: 7,
      resetDelayMs: 2000,
    });
  });

  it("trusts the response's Date over our clock only when they disagree by more than its 1 s precision", () => {
    const reset = String(Math.ceil(NOW / 1000) + 60); // 60.75 s after NOW
    const skewed = new Headers({ 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': reset, Date: new Date(NOW - 30_000).toUTCString() });
    expect(parseRateLimitHeaders(skewed, NOW)?.resetDelayMs).toBe(91_000);
    const close = new Headers({ 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': reset, Date: new Date(NOW - 800).toUTCString() });
    expect(parseRateLimitHeaders(close, NOW)?.resetDelayMs).toBe(60_750);
  });

  it('returns undefined without rate headers and ignores garbage', () => {
    expect(parseRateLimitHeaders(new Headers({ 'content-type': 'application/json' }), NOW)).toBeUndefined();
    expect(parseRateLimitHeaders(new Headers({ 'X-RateLimit-Remaining': 'lots' }), NOW)).toBeUndefined();
  });
});

describe('429 waits', () => {
  it('takes fractional Retry-After and Close rate_reset', () => {
    expect(retryAfterMs(new Headers({ 'Retry-After': '0.87' }))).toBe(870);
    expect(retryAfterMs(new Headers({ 'Retry-After': '3' }))).toBe(3000);
    expect(
      rateResetFromBody('{"error":{"message":"API call count exceeded for this period","rate_reset":0.87,"rate_limit":40,"rate_window":1}}'),
    ).toBe(870);
    expect(rateResetFromBody('{"error":{"code":"RATE_LIMITED","message":"x","details":[]}}')).toBeUndefined();
    expect(rateResetFromBody('not json rate_reset')).toBeUndefined();
  });

  it("reads which of Close's limits refused from rate_limit_type, and nothing from anything else", () => {
    const body = (type: unknown) =>
      JSON.stringify({
        error: { message: 'API call count exceeded for this period', rate_reset: 0.87, rate_limit: 40, rate_window: 1, rate_limit_type: type },
      });
    expect(rateLimitTypeFromBody(body('key'))).toBe('key');
    expect(rateLimitTypeFromBody(body('organization'))).toBe('organization');
    // Absent, or a limit the exporter does not budget (an endpoint group's): every limit of the request pauses.
    expect(rateLimitTypeFromBody(body('endpoint_group'))).toBeUndefined();
    expect(rateLimitTypeFromBody('{"error":{"message":"API call count exceeded for this period","rate_reset":0.87}}')).toBeUndefined();
    expect(rateLimitTypeFromBody('rate_limit_type: key')).toBeUndefined();
    expect(rateLimitTypeFromBody('null')).toBeUndefined();
  });
});

describe('budgetForExport', () => {
  const source: SourceSpec = {
    kind: 'virtuous',
    baseUrl: 'https://api.virtuoussoftware.com',
    credentialVariable: 'VIRTUOUS_API_TOKEN',
    credentialFingerprint: '0123456789abcdef',
    settings: DEFAULT_VIRTUOUS_SETTINGS,
  };
  const redis = new Redis({ lazyConnect: true });

  it('keys the bucket by source and account, with the documented default of 5000/h and a full-window burst', () => {
    const budget = budgetForExport(redis, '{bulk-export}', { source, rateLimit: null }) as RedisTokenBucket;
    expect(budget).toBeInstanceOf(RedisTokenBucket);
    // A spec without an account (written before accounts) reads as `default`; a credential's fingerprint plays no part.
    expect(budget.key).toBe('{bulk-export}:budget:virtuous:default');
    const acme = budgetForExport(redis, '{bulk-export}', { source: { ...source, account: 'acme' }, rateLimit: null }) as RedisTokenBucket;
    const rotated = budgetForExport(redis, '{bulk-export}', {
      source: { ...source, account: 'acme', credentialFingerprint: 'fedcba9876543210' },
      rateLimit: null,
    }) as RedisTokenBucket;
    expect(acme.key).toBe('{bulk-export}:budget:virtuous:acme');
    expect(rotated.key).toBe(acme.key);
    expect(defaultRateLimit('virtuous')).toEqual({ requests: 5000, windowMs: 3_600_000 });
    expect(defaultRateLimit('close')).toEqual({ requests: 20, windowMs: 1000 });
    expect(defaultRateLimit('salesforce')).toBeUndefined();
    expect(budget.burst).toBe(5000);
    expect(budget.ratePerMs * 3_600_000).toBeCloseTo(5000);
  });

  it("gives Close a bucket per key at the rate limit and one per organization at three times it; --rate-limit is a key's", () => {
    const close: SourceSpec = {
      kind: 'close',
      baseUrl: 'https://api.close.com/api/v1',
      credentialVariable: 'CLOSE_API_KEY',
      credentialFingerprint: '0123456789abcdef',
      account: 'acme',
      settings: DEFAULT_CLOSE_SETTINGS,
    };
    const budget = budgetForExport(redis, '{bulk-export}', { source: close, rateLimit: null }) as OrganizationAndKeyBudget;
    expect(budget).toBeInstanceOf(OrganizationAndKeyBudget);
    expect(budget.organization.key).toBe('{bulk-export}:budget:close:acme');
    expect(budget.organization.burst).toBe(60);
    expect(budget.organization.ratePerMs * 1000).toBeCloseTo(60);
    // A request whose caller names no credential counts against the export's.
    expect(budget.keyBucket().key).toBe('{bulk-export}:budget:close:acme:key:0123456789abcdef');
    expect(budget.keyBucket('fedcba9876543210').key).toBe('{bulk-export}:budget:close:acme:key:fedcba9876543210');
    expect(budget.keyBucket().burst).toBe(20);
    const given = budgetForExport(redis, '{bulk-export}', { source: close, rateLimit: { requests: 40, windowMs: 1000 } }) as OrganizationAndKeyBudget;
    expect([given.keyBucket().burst, given.organization.burst]).toEqual([40, 120]);
    const rate = (limit: { requests: number; windowMs: number }) => `${limit.requests}/${limit.windowMs / 1000}s`;
    expect(describeDefaultBudget(closeDefinition, rate)).toBe('close 20/1s per key, 60/1s per organization');
    expect(describeDefaultBudget(virtuousDefinition, rate)).toBe('virtuous 5000/3600s per organization');
  });

  it('uses --rate-limit instead of the default', () => {
    const budget = budgetForExport(redis, 'p', { source, rateLimit: { requests: 1500, windowMs: 3_600_000 } }) as RedisTokenBucket;
    expect(budget.burst).toBe(1500);
    expect(budget.ratePerMs * 3_600_000).toBeCloseTo(1500);
  });
});
