import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindingBudget, budgetSecondsFor, readBudgetStates, readExportBudgetStates, requestsAvailableNow } from '../../src/metrics/budget-state.js';
import type { SourceSpec } from '../../src/queue/export-spec.js';
import { OrganizationAndKeyBudget, type OrganizationAndKeyGrant } from '../../src/ratelimit/organization-and-key-budget.js';
import type { RateLimitScope } from '../../src/ratelimit/rate-limit-scope.js';
import { budgetKey, keyBudgetKey } from '../../src/ratelimit/redis-token-bucket.js';
import { CLOSE_RATE_LIMIT_DIALECT } from '../../src/sources/close/close-rate-limit.js';
import { DEFAULT_CLOSE_SETTINGS } from '../../src/sources/close/close-source.js';
import { budgetForExport } from '../../src/sources/export-budget.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/test-redis.js';
import { AcquireReplies, recordingAcquires } from './support/acquire-replies.js';

/** Three keys' fingerprints (as `credentialFingerprint` makes them) of one organization. */
const KEY_A = 'aaaaaaaaaaaaaaaa';
const KEY_B = 'bbbbbbbbbbbbbbbb';
const KEY_C = 'cccccccccccccccc';
/** A window long enough that no refill comes during a test: a wait told is the limit's, not a refill's. */
const WINDOW_MS = 60_000;

/**
 * The budget of an API that limits each key and its organization (Close), against real Redis: every
 * request takes from its key's bucket and the organization's in one script call; the headers correct the
 * key's; a 429 pauses the bucket its body names. "Told to wait" is read from what the acquire script
 * answered (Redis's clock), so a busy machine cannot fail a test.
 */
describe('OrganizationAndKeyBudget against real Redis', () => {
  let url: string;
  let redis: Redis;
  const prefixes: string[] = [];

  beforeAll(async () => {
    url = (await testRedis()).url;
    redis = new Redis(url);
    await redis.ping();
  });

  afterAll(async () => {
    await Promise.all(prefixes.map((prefix) => dropPrefix(url, prefix)));
    redis.disconnect();
  });

  function freshPrefix(): string {
    const prefix = uniquePrefix('org-key');
    prefixes.push(prefix);
    return prefix;
  }

  /** A budget of `account` with the given key and organization limits per WINDOW_MS, on `connection`. */
  function budgetOn(connection: Redis, prefix: string, limits: { key: number; organization: number }, account = 'acme'): OrganizationAndKeyBudget {
    const bucket = (requests: number) => ({ requests, windowMs: WINDOW_MS, burst: requests, dialect: CLOSE_RATE_LIMIT_DIALECT });
    return new OrganizationAndKeyBudget(connection, {
      organization: { key: budgetKey(prefix, 'close', account), ...bucket(limits.organization) },
      key: { ...bucket(limits.key), keyOf: (fingerprint) => keyBudgetKey(prefix, 'close', account, fingerprint) },
      defaultCredentialFingerprint: KEY_A,
    });
  }

  /** The wait the budget tells an acquire for `key`, which must not be granted; the acquire is then given up. */
  async function toldToWait(budget: OrganizationAndKeyBudget, replies: AcquireReplies, key: string): Promise<number> {
    const giveUp = new AbortController();
    const told = replies.nextWait();
    const acquired = budget.acquire(giveUp.signal, key).then(
      () => 'granted' as const,
      () => 'given up' as const,
    );
    const first = await Promise.race([told, acquired]);
    giveUp.abort();
    await acquired;
    if (first === 'granted' || first === 'given up') throw new Error(`an acquire for ${key} was ${first}, not told to wait`);
    return first.waitMs;
  }

  /** Whether an acquire for `key` is granted on its first try. */
  async function grantedAtOnce(budget: OrganizationAndKeyBudget, replies: AcquireReplies, key: string): Promise<boolean> {
    const from = replies.replies.length;
    await budget.acquire(undefined, key);
    return replies.since(from).length === 1 && replies.since(from)[0]!.granted;
  }

  it('takes from the key and its organization in one script call per request, and one per answer', async () => {
    const prefix = freshPrefix();
    const calls = { scripts: 0 };
    const counted = new Proxy(redis, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property, target);
        if (property === 'evalsha' || property === 'eval') calls.scripts += 1;
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    const budget = budgetOn(counted, prefix, { key: 2, organization: 6 });
    // Redis learns the scripts (EVALSHA, then EVAL once).
    await budget.observe({ status: 200, headers: new Headers() }, await budget.acquire(undefined, KEY_A));
    calls.scripts = 0;

    const grant = await budget.acquire(undefined, KEY_B);
    expect(calls.scripts).toBe(1);
    await budget.observe({ status: 200, headers: new Headers({ RateLimit: 'limit=2, remaining=1, reset=30' }) }, grant);
    expect(calls.scripts).toBe(2);

    const organization = await redis.hgetall(budgetKey(prefix, 'close', 'acme'));
    const keyB = await redis.hgetall(keyBudgetKey(prefix, 'close', 'acme', KEY_B));
    // Both requests in the organization's bucket, each in its key's; answered, so in flight nowhere.
    expect({ seq: organization.seq, fl: organization.fl, lastKey: organization.lk }).toEqual({ seq: '2', fl: '0', lastKey: KEY_B });
    expect({ seq: keyB.seq, fl: keyB.fl }).toEqual({ seq: '1', fl: '0' });
    // The headers went to the key's bucket only.
    expect(keyB.sr).toBe('1');
    expect(organization.sr).toBeUndefined();
    // Both hashes share the prefix's hash tag: one Cluster slot, so one script may take both.
    expect(keyBudgetKey(prefix, 'close', 'acme', KEY_B).startsWith(`${prefix}:`)).toBe(true);
  });

  it("holds a key back at its own limit alone, and every key of the account at the organization's", async () => {
    const prefix = freshPrefix();
    const replies = new AcquireReplies();
    const budget = budgetOn(recordingAcquires(redis, replies), prefix, { key: 2, organization: 3 });
    expect(await grantedAtOnce(budget, replies, KEY_A)).toBe(true);
    expect(await grantedAtOnce(budget, replies, KEY_A)).toBe(true);
    // A's limit is spent: told to wait for its refill (a token per 30 s), though the organization has one left...
    expect(await toldToWait(budget, replies, KEY_A)).toBeGreaterThan(20_000);
    // ...which B takes at once.
    expect(await grantedAtOnce(budget, replies, KEY_B)).toBe(true);
    // The organization's is spent: C, a key not used yet, waits for its refill (a token per 20 s).
    expect(await toldToWait(budget, replies, KEY_C)).toBeGreaterThan(10_000);
    // Another account is not held back.
    expect(await grantedAtOnce(budgetOn(recordingAcquires(redis, replies), prefix, { key: 2, organization: 3 }, 'globex'), replies, KEY_C)).toBe(
      true,
    );
    // The acquires told to wait took nothing.
    expect((await redis.hgetall(budgetKey(prefix, 'close', 'acme'))).seq).toBe('3');
    expect((await redis.hgetall(keyBudgetKey(prefix, 'close', 'acme', KEY_A))).seq).toBe('2');
    expect((await redis.hgetall(keyBudgetKey(prefix, 'close', 'acme', KEY_C))).seq ?? '0').toBe('0');
  });

  it("follows the server's headers on the key's bucket only: a key's spent window holds back that key alone", async () => {
    const prefix = freshPrefix();
    const replies = new AcquireReplies();
    const budget = budgetOn(recordingAcquires(redis, replies), prefix, { key: 10, organization: 30 });
    const grant = await budget.acquire(undefined, KEY_A);
    await budget.observe({ status: 200, headers: new Headers({ RateLimit: 'limit=10, remaining=0, reset=30' }) }, grant);
    // Until the reset the server gave, and no longer.
    const wait = await toldToWait(budget, replies, KEY_A);
    expect(wait).toBeGreaterThan(25_000);
    expect(wait).toBeLessThanOrEqual(30_000);
    expect(await grantedAtOnce(budget, replies, KEY_B)).toBe(true);
  });

  for (const [scope, holdsBackOtherKeys] of [
    ['key', false],
    ['organization', true],
    [undefined, true],
  ] as [RateLimitScope | undefined, boolean][]) {
    it(`after a 429 whose body names ${scope ? `the ${scope}` : 'no limit'}, pauses the key${holdsBackOtherKeys ? ' and every other key of the account' : ' alone'}`, async () => {
      const prefix = freshPrefix();
      const replies = new AcquireReplies();
      const budget = budgetOn(recordingAcquires(redis, replies), prefix, { key: 10, organization: 30 });
      const grant = (await budget.acquire(undefined, KEY_A)) as OrganizationAndKeyGrant;
      // No rate headers: only the body tells which limit refused, and the wait.
      await budget.observe({ status: 429, headers: new Headers() }, grant);
      await budget.pauseUntil(Date.now() + 30_000, { grant, ...(scope ? { scope } : {}) });
      expect(await toldToWait(budget, replies, KEY_A)).toBeGreaterThan(25_000);
      if (holdsBackOtherKeys) expect(await toldToWait(budget, replies, KEY_B)).toBeGreaterThan(25_000);
      else expect(await grantedAtOnce(budget, replies, KEY_B)).toBe(true);
      // Another account's budget is never paused by this one's refusal.
      expect(await grantedAtOnce(budgetOn(recordingAcquires(redis, replies), prefix, { key: 10, organization: 30 }, 'globex'), replies, KEY_A)).toBe(
        true,
      );
    });
  }

  it("is read by the gauges, status --watch and --dry-run per scope: the organization's and the key's used last, the tighter binding", async () => {
    const prefix = freshPrefix();
    const source: SourceSpec = {
      kind: 'close',
      baseUrl: 'https://api.close.com/api/v1',
      credentialVariable: 'CLOSE_API_KEY',
      credentialFingerprint: KEY_A,
      account: 'acme',
      settings: { ...DEFAULT_CLOSE_SETTINGS },
    };
    const spec = { source, rateLimit: { requests: 2, windowMs: WINDOW_MS } };
    const budget = budgetForExport(redis, prefix, spec);
    // Before any request: the export's own key and the organization, both full.
    const fresh = await readExportBudgetStates(redis, prefix, spec);
    expect(fresh.map((state) => [state.scope, state.key, state.tokens])).toEqual([
      ['organization', budgetKey(prefix, 'close', 'acme'), 6],
      ['key', keyBudgetKey(prefix, 'close', 'acme', KEY_A), 2],
    ]);
    // The export started with A; the credential was rotated to B, which spent its key's limit.
    await budget.acquire(undefined, KEY_A);
    await budget.acquire(undefined, KEY_B);
    await budget.acquire(undefined, KEY_B);

    const states = await readExportBudgetStates(redis, prefix, spec);
    expect(states.map((state) => [state.scope, state.key, state.limit])).toEqual([
      ['organization', budgetKey(prefix, 'close', 'acme'), { requests: 6, windowMs: WINDOW_MS }],
      ['key', keyBudgetKey(prefix, 'close', 'acme', KEY_B), { requests: 2, windowMs: WINDOW_MS }],
    ]);
    expect(states[0]!.tokens).toBeGreaterThanOrEqual(3);
    expect(states[1]!.tokens).toBeLessThan(1);
    expect(bindingBudget(states).scope).toBe('key');
    expect(requestsAvailableNow(states)).toBe(0);
    // Three more requests at the key's rate (one per 30 s), not the organization's (one per 10 s).
    expect(budgetSecondsFor(states, 3)).toBeGreaterThan(80);
    expect(budgetSecondsFor(fresh, 2)).toBe(0);

    // The gauges: one series per scope of the account (the key used last only; A's bucket only waits to expire),
    // labelled by source, account and scope, never by a credential. No export registered: the source's default limit.
    const gauges = await readBudgetStates(redis, prefix);
    expect(gauges.map((state) => [state.source, state.account, state.scope, state.limit])).toEqual([
      ['close', 'acme', 'organization', { requests: 60, windowMs: 1000 }],
      ['close', 'acme', 'key', { requests: 20, windowMs: 1000 }],
    ]);
  });
});
