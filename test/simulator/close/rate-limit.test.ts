import { afterEach, describe, expect, it } from 'vitest';
import { startCloseSimulator, type CloseSimulator } from '../../../simulators/close/index.js';
import { contactQuery, search, type SearchCall } from './close-client.js';

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

  it("gives the API key and each access token a key's budget of its own, and charges every key to the organization's", async () => {
    let now = 1_750_000_000_000;
    sim = await startCloseSimulator({
      contacts: 5,
      rateLimit: { limit: 2, windowMs: 1000, organizationLimit: 3 },
      accessTokens: ['token-one', 'token-two'],
      now: () => now,
    });
    const one: SearchCall = { authorization: 'Bearer token-one' };
    const two: SearchCall = { authorization: 'Bearer token-two' };
    expect((await search(sim, body)).status).toBe(200);
    expect((await search(sim, body)).status).toBe(200);
    // The API key's budget is spent; a token's is its own.
    const refusedKey = await search(sim, body);
    expect(refusedKey.status).toBe(429);
    expect(refusedKey.json.error).toMatchObject({ rate_limit_type: 'key', rate_limit: 2 });
    expect((await search(sim, body, one)).status).toBe(200);
    // Three requests spent the organization's budget: the other token, which has sent nothing, is refused for it.
    const refusedOrganization = await search(sim, body, two);
    expect(refusedOrganization.status).toBe(429);
    expect(refusedOrganization.json.error).toMatchObject({ rate_limit_type: 'organization', rate_limit: 3, rate_window: 1, rate_reset: 1 });
    expect(sim.stats.rateLimited).toEqual({ key: 1, organization: 1 });
    // A new window for everybody.
    now += 1000;
    expect((await search(sim, body, two)).status).toBe(200);
    expect((await search(sim, body, two)).status).toBe(200);
    expect((await search(sim, body, two)).json.error).toMatchObject({ rate_limit_type: 'key' });
  });

  it('reports the key, the organization or the tighter of the two in RateLimit, as the header mode says', async () => {
    /** What each of six answers said, in a fresh simulator whose `RateLimit` header reports `header`. */
    const headersIn = async (header: 'key' | 'organization' | 'tighter') => {
      let now = 1_750_000_000_000;
      // The previous mode's simulator (or the previous test's, already closed).
      await sim?.close();
      sim = await startCloseSimulator({
        contacts: 5,
        rateLimit: { limit: 3, windowMs: 1000, organizationLimit: 4, header },
        accessTokens: ['token-one'],
        now: () => now,
      });
      const one: SearchCall = { authorization: 'Bearer token-one' };
      const seen: string[] = [];
      const record = async (call?: SearchCall) => {
        const response = await search(sim, body, call);
        seen.push(`${response.status} ${response.headers.get('ratelimit')}`);
        now += 100;
      };
      await record(one);
      await record(one);
      await record(); // the API key: its budget is fresh, the organization's has two left
      await record(); // the organization's last
      await record(); // the organization's budget is spent: refused, though the key's is not
      await record({ apiKey: 'wrong' }); // 401: as for a key that has sent nothing
      return seen;
    };
    // The API key's first request opens its own window 200 ms after the token's and the organization's.
    expect(await headersIn('key')).toEqual([
      '200 limit=3, remaining=2, reset=1',
      '200 limit=3, remaining=1, reset=0.9',
      '200 limit=3, remaining=2, reset=1',
      '200 limit=3, remaining=1, reset=0.9',
      '429 limit=3, remaining=1, reset=0.8',
      '401 limit=3, remaining=3, reset=1',
    ]);
    expect(await headersIn('organization')).toEqual([
      '200 limit=4, remaining=3, reset=1',
      '200 limit=4, remaining=2, reset=0.9',
      '200 limit=4, remaining=1, reset=0.8',
      '200 limit=4, remaining=0, reset=0.7',
      '429 limit=4, remaining=0, reset=0.6',
      '401 limit=4, remaining=0, reset=0.5',
    ]);
    expect(await headersIn('tighter')).toEqual([
      '200 limit=3, remaining=2, reset=1',
      '200 limit=3, remaining=1, reset=0.9',
      '200 limit=4, remaining=1, reset=0.8',
      '200 limit=4, remaining=0, reset=0.7',
      '429 limit=4, remaining=0, reset=0.6',
      '401 limit=4, remaining=0, reset=0.5',
    ]);
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
