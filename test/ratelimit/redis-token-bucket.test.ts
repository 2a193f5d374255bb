import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetKey, RedisTokenBucket, type RedisTokenBucketOptions } from '../../src/ratelimit/redis-token-bucket.js';
import type { BudgetGrant } from '../../src/ratelimit/request-budget.js';
import { IN_FLIGHT_RECHECK_MS } from '../../src/ratelimit/token-bucket-scripts.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/test-redis.js';
import { AcquireReplies, recordingAcquires } from './support/acquire-replies.js';

/** How long a test waits for grants that the wrong behaviour would hold back for a minute or more: a guard, not a speed bound. */
const GUARD_MS = 30_000;

/**
 * Real Redis, two connections (as two processes would have), a fresh prefix per test.
 *
 * "Not before" is timed here (a busy machine only makes a wait longer). "At once" and "no later than" are
 * read from what the bucket's script told each caller (`AcquireReplies`: granted, or wait N ms by Redis's
 * clock), or made to hang where the wrong behaviour would wait for something that never comes, so that a
 * busy machine cannot fail them. How fast the fleet reacts is measured by `npm run bench -- --only timing`.
 */
describe('RedisTokenBucket against real Redis', () => {
  let url: string;
  let first: Redis;
  let second: Redis;
  const prefixes: string[] = [];

  beforeAll(async () => {
    url = (await testRedis()).url;
    first = new Redis(url);
    second = new Redis(url);
    await Promise.all([first.ping(), second.ping()]);
  });

  afterAll(async () => {
    await Promise.all(prefixes.map((prefix) => dropPrefix(url, prefix)));
    first.disconnect();
    second.disconnect();
  });

  const repliesByBucket = new WeakMap<RedisTokenBucket, AcquireReplies>();

  /** Two bucket instances on two connections sharing the key of a fresh prefix, each recording its acquire replies. */
  function pair(options: Omit<RedisTokenBucketOptions, 'key'>): [RedisTokenBucket, RedisTokenBucket] {
    const prefix = uniquePrefix('bucket');
    prefixes.push(prefix);
    const key = budgetKey(prefix, 'virtuous', 'fingerprint0001');
    return [first, second].map((connection) => {
      const replies = new AcquireReplies();
      const bucket = new RedisTokenBucket(recordingAcquires(connection, replies), { key, ...options });
      repliesByBucket.set(bucket, replies);
      return bucket;
    }) as [RedisTokenBucket, RedisTokenBucket];
  }

  /** What the acquire script answered `bucket` so far. */
  function repliesOf(bucket: RedisTokenBucket): AcquireReplies {
    return repliesByBucket.get(bucket)!;
  }

  /** Where `bucket`'s replies stand now, to read those that follow with `since` or `waitsSince`. */
  function mark(bucket: RedisTokenBucket): number {
    return repliesOf(bucket).replies.length;
  }

  /** Every acquire of `bucket` since `from` got its token on its first try: nobody waited. */
  function grantedAtOnce(bucket: RedisTokenBucket, from: number): boolean {
    const since = repliesOf(bucket).since(from);
    return since.length > 0 && since.every((reply) => reply.granted);
  }

  /** Milliseconds from `start` until each of `count` sequential acquires was granted. */
  async function grantTimes(bucket: RedisTokenBucket, count: number, start: number): Promise<number[]> {
    const times: number[] = [];
    for (let k = 0; k < count; k++) {
      await bucket.acquire();
      times.push(performance.now() - start);
    }
    return times;
  }

  function headers(values: Record<string, string>): Headers {
    return new Headers(values);
  }

  it('grants exactly the burst at once, then one token per 1/rate', async () => {
    // Slots 200 ms apart, so that a loaded machine's scheduling delays cannot blur one slot into the next.
    const [bucket] = pair({ requests: 5, windowMs: 1000, burst: 5 });
    // Time from before the bucket's first use: the refill clock starts inside that call, so a start taken
    // after it would be late by a Redis round trip.
    const start = performance.now();
    await bucket.acquire();
    const times = await grantTimes(bucket, 8, start);
    // The burst: five tokens, each on its first try.
    expect(repliesOf(bucket).since(0).slice(0, 5)).toEqual(Array.from({ length: 5 }, () => ({ granted: true, waitMs: 0 })));
    // Token k beyond the burst becomes available k * 200 ms after the bucket was first used, never sooner...
    for (let k = 1; k <= 4; k++) expect(times[3 + k]!).toBeGreaterThanOrEqual(k * 200 - 3);
    // ...and the bucket never told anyone to wait longer than one token's refill.
    for (const wait of repliesOf(bucket).waitsSince(5)) expect(wait).toBeLessThanOrEqual(200);
    expect(Number((await bucket.inspect()).seq)).toBe(9);
  });

  it('is one budget for two instances on two connections', async () => {
    const [a, b] = pair({ requests: 5, windowMs: 1000, burst: 4 });
    const start = performance.now();
    await grantTimes(a, 3, start);
    const times = await grantTimes(b, 2, start);
    // The fourth token of the burst is b's at once; the fifth only after one refill, which b is told to wait for.
    expect(repliesOf(b).since(0)[0]).toEqual({ granted: true, waitMs: 0 });
    expect(times[1]).toBeGreaterThanOrEqual(200 - 3);
    for (const wait of repliesOf(b).waitsSince(0)) expect(wait).toBeLessThanOrEqual(200);
  });

  it('lowers its tokens when the server says fewer remain, counting the grants the server has not seen yet', async () => {
    // A token every 200 ms, so that a loaded machine's slow round trips stay well apart from a refill.
    const [a, b] = pair({ requests: 5, windowMs: 1000, burst: 10 });
    const start = performance.now();
    const grant = await a.acquire();
    await grantTimes(b, 3, start); // three more requests go out before the first one's answer arrives
    // Another tool spent most of the budget: 5 left when the server answered the first request,
    // three of which our later requests are spending now, so 2 are left.
    // Time from before the answer: the refill towards the third token starts inside that call.
    const observed = performance.now();
    await a.observe({ status: 200, headers: headers({ 'X-RateLimit-Limit': '20', 'X-RateLimit-Remaining': '5' }) }, grant);
    expect(Number((await b.inspect()).t)).toBeLessThan(2.1);
    const from = mark(b);
    const times = await grantTimes(b, 3, observed);
    // Two tokens at once, then the third after one refill (never sooner, and told to wait no longer).
    expect(repliesOf(b).since(from).slice(0, 2)).toEqual([
      { granted: true, waitMs: 0 },
      { granted: true, waitMs: 0 },
    ]);
    expect(times[2]).toBeGreaterThanOrEqual(200 - 3);
    for (const wait of repliesOf(b).waitsSince(from)) expect(wait).toBeLessThanOrEqual(200);
  });

  it('lets nobody send before the reset once the server says none remain (Virtuous and Close headers)', async () => {
    const [a, b] = pair({ requests: 100, windowMs: 1000, burst: 100 });
    // Close style: `reset` is fractional seconds from now (from when the answer is observed, so time from before it).
    let start = performance.now();
    await a.observe({ status: 200, headers: headers({ RateLimit: 'limit=40, remaining=0, reset=0.3' }) });
    await b.acquire();
    expect(performance.now() - start).toBeGreaterThanOrEqual(300 - 3);
    // Told to wait for the reset, and no longer.
    for (const wait of repliesOf(b).waitsSince(0)) expect(wait).toBeLessThanOrEqual(300);

    // Virtuous style: X-RateLimit-Reset is Unix seconds; remaining 0 lasts until that second.
    const [c, d] = pair({ requests: 100, windowMs: 1000, burst: 100 });
    const reset = Math.ceil(Date.now() / 1000) + 1;
    // The pause runs from when the answer is observed: time from before it.
    const observedAt = Date.now();
    await c.observe({
      status: 200,
      headers: headers({ 'X-RateLimit-Limit': '5000', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(reset) }),
    });
    await d.acquire();
    expect(Date.now()).toBeGreaterThanOrEqual(reset * 1000);
    for (const wait of repliesOf(d).waitsSince(0)) expect(wait).toBeLessThanOrEqual(reset * 1000 - observedAt + 1);
  });

  it('pauses every instance until pauseUntil, then lets one probe out until the server confirms the new window', async () => {
    const [a, b] = pair({ requests: 10, windowMs: 1000, burst: 10 });
    const start = performance.now();
    await a.pauseUntil(Date.now() + 300);
    const probe = await b.acquire();
    expect(performance.now() - start).toBeGreaterThanOrEqual(300 - 2);
    // Told to wait for the pause's end (one added millisecond of rounding), and no longer.
    for (const wait of repliesOf(b).waitsSince(0)) expect(wait).toBeLessThanOrEqual(301);
    // Until an answer shows the server's allowance, only the refill rate applies (no burst).
    const beforeAnswer = performance.now();
    const second = await b.acquire();
    // The refill clock started inside the probe's acquire, up to one Redis round trip before `beforeAnswer`.
    expect(performance.now() - beforeAnswer).toBeGreaterThanOrEqual(100 - 15);
    // The probe's answer: 9 left after the probe, one of which the second request is spending: 8 at once.
    const reset = String(Math.ceil(Date.now() / 1000) + 60);
    await b.observe({ status: 200, headers: headers({ 'X-RateLimit-Remaining': '9', 'X-RateLimit-Reset': reset }) }, probe);
    expect(second.sequence).toBe(probe.sequence + 1);
    const grants: BudgetGrant[] = [];
    const beforeEight = mark(a);
    for (let k = 0; k < 8; k++) grants.push(await a.acquire());
    expect(grantedAtOnce(a, beforeEight)).toBe(true);
    // ...and the server's window, mirrored in Redis, may now be spent by the requests in flight:
    // nobody is granted one before their answers come back.
    await expect(a.acquire(AbortSignal.timeout(150))).rejects.toMatchObject({ name: 'TimeoutError' });
    // They show the server counted every one of them: the window is spent, everybody waits for its reset.
    await b.observe({ status: 200, headers: headers({ 'X-RateLimit-Remaining': '8', 'X-RateLimit-Reset': reset }) }, second);
    for (const [k, grant] of grants.entries()) {
      await a.observe({ status: 200, headers: headers({ 'X-RateLimit-Remaining': String(7 - k), 'X-RateLimit-Reset': reset }) }, grant);
    }
    expect(Number((await a.inspect()).pause)).toBeGreaterThan(Date.now() + 50_000);
    await expect(b.acquire(AbortSignal.timeout(150))).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('counts a request the server saw before an answer only once, however the answers are ordered', async () => {
    const [a, b] = pair({ requests: 20, windowMs: 5000 });
    const reset = String(Math.ceil(Date.now() / 1000) + 60);
    const answer = (remaining: number) => ({
      status: 200,
      headers: headers({ 'X-RateLimit-Remaining': String(remaining), 'X-RateLimit-Reset': reset }),
    });
    const first = await a.acquire();
    await a.observe(answer(19), first);
    // Seven requests go out together; the server counts them in another order than they were granted.
    const grants: BudgetGrant[] = [];
    for (let k = 0; k < 7; k++) grants.push(await (k % 2 ? a : b).acquire());
    const serverOrder = [3, 0, 1, 2, 4, 5, 6]; // the fourth grant reached the server first
    const remainingOf = new Map(serverOrder.map((index, position) => [index, 18 - position]));
    // The fourth request's answer (18 left) and then the first's (17): the server has counted both,
    // and the second and third (granted earlier than the fourth) are not answered yet.
    await b.observe(answer(remainingOf.get(3)!), grants[3]);
    await a.observe(answer(remainingOf.get(0)!), grants[0]);
    // 20 - 1 - 7 = 12 are left; subtracting every grant after the first (6) from 17 would say 11.
    const beforeTwelve = mark(a);
    for (let k = 0; k < 12; k++) await a.acquire();
    expect(grantedAtOnce(a, beforeTwelve)).toBe(true);
    await expect(b.acquire(AbortSignal.timeout(150))).rejects.toMatchObject({ name: 'TimeoutError' });
    // None of this paused anybody: the server has not said the window is spent.
    expect(Number((await a.inspect()).pause)).toBeLessThan(Date.now());
    // The other answers come back, then those of the 12: the last says 0, and now everyone waits for the reset.
    for (const index of [1, 2, 4, 5, 6]) await a.observe(answer(remainingOf.get(index)!), grants[index]);
    const seq = Number((await a.inspect()).seq);
    for (let k = 0; k < 12; k++) await b.observe(answer(11 - k), { sequence: seq - 11 + k });
    expect(Number((await a.inspect()).pause)).toBeGreaterThan(Date.now() + 50_000);
  });

  it('waits for the answers in flight rather than for the reset when they may have spent the window', async () => {
    // Grants stay in flight for a minute, so that however slow the machine, only the answer below frees one.
    const [a, b] = pair({ requests: 5, windowMs: 1000, inFlightMs: 60_000 });
    const reset = String(Math.ceil(Date.now() / 1000) + 60);
    const answer = (remaining: number) => ({
      status: 200,
      headers: headers({ 'X-RateLimit-Remaining': String(remaining), 'X-RateLimit-Reset': reset }),
    });
    const first = await a.acquire();
    await a.observe(answer(4), first);
    const second = await a.acquire();
    const third = await b.acquire();
    // The server counted the second request, then the third; the third's answer comes back first.
    await b.observe(answer(2), third);
    // 2 left when the server answered the third; the second may not be counted in that yet: 1 more.
    const fourth = await b.acquire();
    const from = mark(a);
    const told = repliesOf(a).nextWait();
    let granted = false;
    const waiting = a.acquire().then((grant) => {
      granted = true;
      return grant;
    });
    // The bucket holds the fifth back...
    await told;
    expect(granted).toBe(false);
    // ...until the second's answer shows it was counted before the third: 2 - 1 in flight = 1 more, at once.
    await a.observe(answer(3), second);
    const fifth = await waiting;
    // It was asked to check again while the answers were out, never to wait for the reset a minute away.
    for (const wait of repliesOf(a).waitsSince(from)) expect(wait).toBeLessThanOrEqual(IN_FLIGHT_RECHECK_MS);
    expect(fifth.sequence).toBe(fourth.sequence + 1);
    expect(Number((await a.inspect()).pause)).toBeLessThan(Date.now());
  });

  it('stops counting a grant as in flight when no answer comes for it', async () => {
    // A token every 200 ms; the server's window (1 left) is what holds the next request back.
    const [a, b] = pair({ requests: 5, windowMs: 1000, inFlightMs: 300 });
    const reset = String(Math.ceil(Date.now() / 1000) + 60);
    const first = await a.acquire();
    await a.observe({ status: 200, headers: headers({ 'X-RateLimit-Remaining': '1', 'X-RateLimit-Reset': reset }) }, first);
    const lost = await b.acquire(); // the request fails without an answer (e.g. the connection drops)
    const start = performance.now();
    expect(Number((await a.inspect()).fl)).toBe(1);
    // Until it expires it may still reach the server; then it no longer counts against the 1 left.
    const from = mark(a);
    await a.acquire();
    expect(performance.now() - start).toBeGreaterThanOrEqual(290);
    // Asked to check again until then, never to wait for the reset a minute away.
    for (const wait of repliesOf(a).waitsSince(from)) expect(wait).toBeLessThanOrEqual(IN_FLIGHT_RECHECK_MS);
    expect(Number((await a.inspect()).fl)).toBe(1);
    // A late answer for an expired grant changes nothing but the server's count.
    await b.observe({ status: 200, headers: headers({ 'X-RateLimit-Remaining': '1', 'X-RateLimit-Reset': reset }) }, lost);
    expect(Number((await a.inspect()).fl)).toBe(1);
  });

  it('lets the next window out at once when the reset the headers gave passes: no probe (Close and Virtuous headers)', async () => {
    // Close style: the window is spent, the next allows `limit=5`; the reset is fractional seconds from now.
    // The bucket's own refill is slow (a token per 2 minutes) and a grant stays in flight for a minute, so
    // that a fleet let out at the refill's pace or behind a probe would still be waiting when the guard ends.
    const [a, b] = pair({ requests: 5, windowMs: 600_000 });
    const spent = await Promise.all([0, 1, 2, 3, 4].map((k) => (k % 2 ? a : b).acquire()));
    const start = performance.now();
    for (const [k, grant] of spent.entries()) {
      await a.observe({ status: 200, headers: headers({ RateLimit: `limit=5, remaining=${4 - k}, reset=0.3` }) }, grant);
    }
    const [fromA, fromB] = [mark(a), mark(b)];
    const next = await Promise.all(
      [0, 1, 2, 3, 4].map((k) => (k % 2 ? a : b).acquire(AbortSignal.timeout(GUARD_MS)).then(() => performance.now() - start)),
    );
    // All five go out at the reset, none before it, none waiting for another's answer or a refill: each was
    // told to wait for the reset and no longer...
    expect(Math.min(...next)).toBeGreaterThanOrEqual(300 - 3);
    for (const wait of [...repliesOf(a).waitsSince(fromA), ...repliesOf(b).waitsSince(fromB)]) expect(wait).toBeLessThanOrEqual(300);
    // ...and they are the whole window: a sixth waits for their answers.
    await expect(a.acquire(AbortSignal.timeout(150))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect((await a.inspect()).probe).toBe('0');

    // Virtuous style: X-RateLimit-Reset in Unix seconds, X-RateLimit-Limit the next window's allowance.
    const [c, d] = pair({ requests: 100, windowMs: 3_600_000 });
    const reset = Math.ceil((Date.now() + 200) / 1000);
    const grant = await c.acquire();
    const observedAt = Date.now();
    await c.observe(
      { status: 200, headers: headers({ 'X-RateLimit-Limit': '4', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(reset) }) },
      grant,
    );
    const [fromC, fromD] = [mark(c), mark(d)];
    const granted = await Promise.all([0, 1, 2, 3].map((k) => (k % 2 ? c : d).acquire(AbortSignal.timeout(GUARD_MS)).then(() => Date.now())));
    expect(Math.min(...granted)).toBeGreaterThanOrEqual(reset * 1000);
    for (const wait of [...repliesOf(c).waitsSince(fromC), ...repliesOf(d).waitsSince(fromD)]) {
      expect(wait).toBeLessThanOrEqual(reset * 1000 - observedAt + 1);
    }
    await expect(d.acquire(AbortSignal.timeout(150))).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('counts a reset in seconds from now from when the headers arrived, not from when the body was read', async () => {
    const [a, b] = pair({ requests: 5, windowMs: 1000 });
    const receivedAtMs = Date.now() - 100;
    const start = performance.now();
    await a.observe({ status: 200, headers: headers({ RateLimit: 'limit=5, remaining=0, reset=0.3' }), receivedAtMs });
    await b.acquire();
    expect(performance.now() - start).toBeGreaterThanOrEqual(200 - 3);
    // 300 ms from 100 ms ago: told to wait 200 ms at most, not 300.
    for (const wait of repliesOf(b).waitsSince(0)) expect(wait).toBeLessThanOrEqual(200);
  });

  it('counts the requests in flight at the reset against the next window until their answers show where they went', async () => {
    const [a, b] = pair({ requests: 5, windowMs: 1000 });
    const grants = await Promise.all([0, 1, 2, 3, 4].map((k) => (k % 2 ? a : b).acquire()));
    // One answer: 4 left, and 4 requests in flight, which may have spent the window.
    const start = performance.now();
    await a.observe({ status: 200, headers: headers({ RateLimit: 'limit=5, remaining=4, reset=0.3' }) }, grants[0]);
    // At the reset the next window allows 5, less the 4 still in flight: one at once.
    const fromB = mark(b);
    await b.acquire();
    expect(performance.now() - start).toBeGreaterThanOrEqual(300 - 3);
    for (const wait of repliesOf(b).waitsSince(fromB)) expect(wait).toBeLessThanOrEqual(300);
    await expect(a.acquire(AbortSignal.timeout(100))).rejects.toMatchObject({ name: 'TimeoutError' });
    // An answer comes back from the window that ended (its reset, now past): that request was counted
    // there, so the next window has room for one more, at once.
    const fromA = mark(a);
    const waiting = a.acquire();
    await b.observe({ status: 200, headers: headers({ RateLimit: 'limit=5, remaining=3, reset=0' }) }, grants[1]);
    await waiting;
    // Until then it was asked to check again, not to wait for a refill.
    for (const wait of repliesOf(a).waitsSince(fromA)) expect(wait).toBeLessThanOrEqual(IN_FLIGHT_RECHECK_MS);
    // The window that ended changes nothing else: no pause, no probe.
    for (const [k, grant] of grants.slice(2).entries()) {
      await b.observe({ status: 200, headers: headers({ RateLimit: `limit=5, remaining=${2 - k}, reset=0` }) }, grant);
    }
    const state = await a.inspect();
    expect(state.probe).toBe('0');
    expect(Number(state.pause)).toBeLessThan(Date.now());
    await Promise.all([a.acquire(), b.acquire(), a.acquire()]);
  });

  it('probes when a request sent after the reset is still counted in the window that reset ended', async () => {
    const [a, b] = pair({ requests: 5, windowMs: 1000 });
    const grant = await a.acquire();
    await a.observe({ status: 200, headers: headers({ RateLimit: 'limit=5, remaining=0, reset=0.2' }) }, grant);
    const [late, other] = await Promise.all([a.acquire(), b.acquire()]);
    // The server's clock is behind: its window has not ended, and it counted the request there.
    await a.observe({ status: 200, headers: headers({ RateLimit: 'limit=5, remaining=0, reset=0.05' }) }, late);
    expect((await a.inspect()).probe).toBe('1');
    // One request at a time (the refill's pace) until an answer shows the next window.
    const probe = await b.acquire();
    await expect(a.acquire(AbortSignal.timeout(100))).rejects.toMatchObject({ name: 'TimeoutError' });
    await b.observe({ status: 200, headers: headers({ RateLimit: 'limit=5, remaining=4, reset=1' }) }, other);
    await b.observe({ status: 200, headers: headers({ RateLimit: 'limit=5, remaining=3, reset=1' }) }, probe);
    const [fromA, fromB] = [mark(a), mark(b)];
    await Promise.all([a.acquire(), b.acquire(), a.acquire()]);
    expect(grantedAtOnce(a, fromA) && grantedAtOnce(b, fromB)).toBe(true);
    expect((await a.inspect()).probe).toBe('0');
  });

  it('after a 429 lets one probe out at the reset, though the headers tell the limit', async () => {
    const [a, b] = pair({ requests: 5, windowMs: 1000 });
    const start = performance.now();
    await a.observe({ status: 429, headers: headers({ RateLimit: 'limit=5, remaining=0, reset=0.3' }) });
    const probe = await b.acquire();
    expect(performance.now() - start).toBeGreaterThanOrEqual(300 - 3);
    const [fromA, fromB] = [mark(a), mark(b)];
    const waiting = Promise.all([a.acquire(), b.acquire()]);
    // Before its answer, no second request but at the refill's pace (one per 200 ms).
    await expect(a.acquire(AbortSignal.timeout(100))).rejects.toMatchObject({ name: 'TimeoutError' });
    await b.observe({ status: 200, headers: headers({ RateLimit: 'limit=5, remaining=4, reset=1' }) }, probe);
    // Its answer shows the window: the others, told to check again while the probe was out, go.
    await waiting;
    for (const wait of [...repliesOf(a).waitsSince(fromA), ...repliesOf(b).waitsSince(fromB)]) expect(wait).toBeLessThanOrEqual(IN_FLIGHT_RECHECK_MS);
  });

  it('stops waiting as soon as the signal aborts, without taking a token', async () => {
    // The next token is ten minutes away: only the abort can end the wait within the test's time.
    const [a, b] = pair({ requests: 1, windowMs: 600_000, burst: 1 });
    await a.acquire();
    await expect(b.acquire(AbortSignal.timeout(100))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(repliesOf(b).waitsSince(0)[0]).toBeGreaterThan(500_000);
    const controller = new AbortController();
    controller.abort(new Error('range cancelled'));
    await expect(b.acquire(controller.signal)).rejects.toThrow('range cancelled');
    expect(Number((await a.inspect()).seq)).toBe(1);
  });
});
