import { afterEach, describe, expect, it } from 'vitest';
import { startCloseSimulator, type CloseSimulator } from '../../../simulators/close/index.js';
import { contactQuery, search } from './close-client.js';

describe('Close simulator rate limit', () => {
  let sim: CloseSimulator;
  afterEach(async () => {
    await sim.close();
  });
  const body = { query: contactQuery() };

  it('sends RateLimit on every response and refuses the key budget with 429, Retry-After and a fractional rate_reset', async () => {
    let now = 1_750_000_000_000;
    sim = await startCloseSimulator({ contacts: 5, rateLimit: { limit: 3, windowMs: 1000 }, now: () => now });
    const headers: (string | null)[] = [];
    for (let k = 0; k < 3; k++) {
      const response = await search(sim, body);
      expect(response.status).toBe(200);
      headers.push(response.headers.get('ratelimit'));
      now += 10;
    }
    expect(headers).toEqual(['limit=3, remaining=2, reset=1', 'limit=3, remaining=1, reset=0.99', 'limit=3, remaining=0, reset=0.98']);
    // Unauthenticated requests are not charged.
    expect((await search(sim, body, { apiKey: 'wrong' })).status).toBe(401);
    now += 100;
    const refused = await search(sim, body);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('ratelimit')).toBe('limit=3, remaining=0, reset=0.87');
    expect(refused.json).toEqual({
      error: { message: 'API call count exceeded for this period', rate_reset: 0.87, rate_limit: 3, rate_window: 1, rate_limit_type: 'key' },
    });
    now += 870;
    const next = await search(sim, body);
    expect(next.status).toBe(200);
    expect(next.headers.get('ratelimit')).toBe('limit=3, remaining=2, reset=1');
    expect(sim.stats.byStatus).toEqual({ 200: 4, 401: 1, 429: 1 });
  });

  it('refuses with rate_limit_type organization when the organization budget runs out first', async () => {
    let now = 1_750_000_000_000;
    sim = await startCloseSimulator({ contacts: 5, rateLimit: { limit: 10, windowMs: 2000, organizationLimit: 2 }, now: () => now });
    const first = await search(sim, body);
    expect(first.headers.get('ratelimit')).toBe('limit=2, remaining=1, reset=2');
    await search(sim, body);
    now += 1500;
    const refused = await search(sim, body);
    expect(refused.status).toBe(429);
    expect(refused.json.error).toMatchObject({ rate_limit_type: 'organization', rate_limit: 2, rate_window: 2, rate_reset: 0.5 });
    expect(refused.headers.get('retry-after')).toBe('1');
  });

  it("places both budgets' windows on multiples of windowMs since the epoch in clock mode", async () => {
    let now = 1_750_000_000_300;
    sim = await startCloseSimulator({ contacts: 5, rateLimit: { limit: 3, windowMs: 1000, alignment: 'clock' }, now: () => now });
    expect((await search(sim, body)).headers.get('ratelimit')).toBe('limit=3, remaining=2, reset=0.7');
    now += 600;
    expect((await search(sim, body)).headers.get('ratelimit')).toBe('limit=3, remaining=1, reset=0.1');
    // The next window opens on the second, not with the next request.
    now += 100;
    expect((await search(sim, body)).headers.get('ratelimit')).toBe('limit=3, remaining=2, reset=1');
  });

  it('defaults the organization budget to three times the key budget', async () => {
    sim = await startCloseSimulator({ contacts: 5, rateLimit: { limit: 40, windowMs: 1000 }, now: () => 5_000 });
    const response = await search(sim, body);
    expect(response.headers.get('ratelimit')).toBe('limit=40, remaining=39, reset=1');
  });

  it('advertises a large budget and never refuses without a configured limit', async () => {
    sim = await startCloseSimulator({ contacts: 5 });
    for (let k = 0; k < 5; k++) {
      const response = await search(sim, body);
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit')).toMatch(new RegExp(`^limit=1000000, remaining=${999_999 - k}, reset=`));
    }
  });
});
