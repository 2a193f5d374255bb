import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetKey, RedisTokenBucket, type RedisTokenBucketOptions } from '../../src/ratelimit/redis-token-bucket.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/test-redis.js';

/** Real Redis, two connections (as two processes would have), a fresh prefix per test. */
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

  /** Two bucket instances on two connections sharing the key of a fresh prefix. */
  function pair(options: Omit<RedisTokenBucketOptions, 'key'>): [RedisTokenBucket, RedisTokenBucket] {
    const prefix = uniquePrefix('bucket');
    prefixes.push(prefix);
    const key = budgetKey(prefix, 'virtuous', 'fingerprint0001');
    return [new RedisTokenBucket(first, { key, ...options }), new RedisTokenBucket(second, { key, ...options })];
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
    const [bucket] = pair({ requests: 20, windowMs: 1000, burst: 5 });
    await bucket.acquire();
    const start = performance.now(); // just after the bucket was first used (full, at that moment)
    const times = await grantTimes(bucket, 8, start);
    expect(times.slice(0, 4).every((t) => t < 40)).toBe(true);
    // Token k beyond the burst becomes available k * 50 ms after the bucket was first used.
    for (let k = 1; k <= 4; k++) {
      expect(times[3 + k]!).toBeGreaterThanOrEqual(k * 50 - 3);
      expect(times[3 + k]!).toBeLessThan(k * 50 + 30);
    }
    expect(Number((await bucket.inspect()).seq)).toBe(9);
  });

  it('is one budget for two instances on two connections', async () => {
    const [a, b] = pair({ requests: 10, windowMs: 1000, burst: 4 });
    const start = performance.now();
    await grantTimes(a, 3, start);
    const times = await grantTimes(b, 2, start);
    expect(times[0]).toBeLessThan(40);
    expect(times[1]).toBeGreaterThanOrEqual(100 - 3);
    expect(times[1]).toBeLessThan(140);
  });

  it('lowers its tokens when the server says fewer remain, counting the grants the server has not seen yet', async () => {
    const [a, b] = pair({ requests: 10, windowMs: 1000, burst: 10 });
    const start = performance.now();
    const grant = await a.acquire();
    await grantTimes(b, 3, start); // three more requests go out before the first one's answer arrives
    // Another tool spent most of the budget: 5 left when the server answered the first request,
    // three of which our later requests are spending now, so 2 are left.
    await a.observe({ status: 200, headers: headers({ 'X-RateLimit-Limit': '20', 'X-RateLimit-Remaining': '5' }) }, grant);
    expect(Number((await b.inspect()).t)).toBeLessThan(2.1);
    const times = await grantTimes(b, 3, performance.now());
    expect(times[1]).toBeLessThan(40);
    expect(times[2]).toBeGreaterThanOrEqual(90);
    expect(times[2]).toBeLessThan(140);
  });

  it('lets nobody send before the reset once the server says none remain (Virtuous and Close headers)', async () => {
    const [a, b] = pair({ requests: 100, windowMs: 1000, burst: 100 });
    // Close style: `reset` is fractional seconds from now.
    await a.observe({ status: 200, headers: headers({ RateLimit: 'limit=40, remaining=0, reset=0.3' }) });
    let start = performance.now();
    await b.acquire();
    expect(performance.now() - start).toBeGreaterThanOrEqual(300 - 3);
    expect(performance.now() - start).toBeLessThan(380);

    // Virtuous style: X-RateLimit-Reset is Unix seconds; remaining 0 lasts until that second.
    const [c, d] = pair({ requests: 100, windowMs: 1000, burst: 100 });
    const reset = Math.ceil(Date.now() / 1000) + 1;
    await c.observe({ status: 200, headers: headers({ 'X-RateLimit-Limit': '5000', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(reset) }) });
    start = performance.now();
    await d.acquire();
    expect(Date.now()).toBeGreaterThanOrEqual(reset * 1000);
    expect(performance.now() - start).toBeLessThan(2100);
  });

  it('pauses every instance until pauseUntil, then lets one probe out until the server confirms the new window', async () => {
    const [a, b] = pair({ requests: 10, windowMs: 1000, burst: 10 });
    const start = performance.now();
    await a.pauseUntil(Date.now() + 300);
    const probe = await b.acquire();
    expect(performance.now() - start).toBeGreaterThanOrEqual(300 - 2);
    expect(performance.now() - start).toBeLessThan(360);
    // Until an answer shows the server's allowance, only the refill rate applies (no burst).
    const beforeAnswer = performance.now();
    const second = await b.acquire();
    expect(performance.now() - beforeAnswer).toBeGreaterThanOrEqual(100 - 3);
    // The probe's answer: 9 left after the probe, one of which the second request is spending: 8 at once.
    await b.observe({ status: 200, headers: headers({ 'X-RateLimit-Remaining': '9', 'X-RateLimit-Reset': String(Math.ceil(Date.now() / 1000) + 60) }) }, probe);
    expect(second.sequence).toBe(probe.sequence + 1);
    const times = await grantTimes(a, 8, performance.now());
    expect(times.every((t) => t < 40)).toBe(true);
    // ...and the server's window, mirrored in Redis, is now spent: the next acquire waits for its reset.
    await expect(a.acquire(AbortSignal.timeout(150))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Number((await a.inspect()).pause)).toBeGreaterThan(Date.now() + 50_000);
  });

  it('stops waiting as soon as the signal aborts, without taking a token', async () => {
    const [a, b] = pair({ requests: 1, windowMs: 10_000, burst: 1 });
    await a.acquire();
    const start = performance.now();
    await expect(b.acquire(AbortSignal.timeout(100))).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(performance.now() - start).toBeLessThan(250);
    const controller = new AbortController();
    controller.abort(new Error('range cancelled'));
    await expect(b.acquire(controller.signal)).rejects.toThrow('range cancelled');
    expect(Number((await a.inspect()).seq)).toBe(1);
  });
});
