import { afterEach, describe, expect, it } from 'vitest';
import { startCloseSimulator, type CloseSimulator } from '../../../simulators/close/index.js';
import { OBJECT_TYPE_CONTACT, search, type SimResponse } from './close-client.js';

const BODY = { query: OBJECT_TYPE_CONTACT };
const HOUR_MS = 3_600_000;

describe('Close simulator OAuth 2.0 access tokens', () => {
  let sim: CloseSimulator;
  afterEach(async () => {
    await sim.close();
  });

  const bearer = (token: string) => search(sim, BODY, { authorization: `Bearer ${token}` });
  const listFields = (authorization: string) => search(sim, undefined, { method: 'GET', path: '/custom_field/contact/', authorization });

  function expectBearerRefusal(response: SimResponse): void {
    expect(response.status).toBe(401);
    expect(Object.keys(response.json)).toEqual(['error']);
    expect(response.json.error).toEqual(expect.any(String));
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="Close API"');
    expect(response.headers.get('ratelimit')).toMatch(/^limit=\d+, remaining=\d+, reset=[\d.]+$/);
  }

  it('accepts the tokens it was started with as Bearer, besides the API key, on both endpoints', async () => {
    sim = await startCloseSimulator({ contacts: 5, accessTokens: ['tokA', 'tokB'] });
    expect((await bearer('tokA')).status).toBe(200);
    expect((await search(sim, BODY, { authorization: 'bearer tokB' })).status).toBe(200);
    expect((await listFields('Bearer tokA')).status).toBe(200);
    expect((await search(sim, BODY)).status).toBe(200);

    expectBearerRefusal(await bearer('tokC'));
    expectBearerRefusal(await bearer(sim.apiKey));
    expectBearerRefusal(await search(sim, BODY, { authorization: 'Bearer' }));
    const wrongKey = await search(sim, BODY, { apiKey: 'tokA' });
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.headers.get('www-authenticate')).toBe('Basic realm="Close API"');
    expect(sim.stats.byStatus).toEqual({ 200: 4, 401: 4 });
  });

  it('expires a token after its lifetime on the simulator clock, an hour by default', async () => {
    let clockMs = Date.parse('2024-07-01T00:00:00Z');
    sim = await startCloseSimulator({ contacts: 5, accessTokens: ['tokA'], now: () => clockMs });
    sim.issueAccessToken('tokB', 60_000);
    clockMs += 60_000 - 1;
    expect((await bearer('tokB')).status).toBe(200);
    clockMs += 1;
    expectBearerRefusal(await bearer('tokB'));
    expect((await bearer('tokA')).status).toBe(200);
    clockMs += HOUR_MS - 60_000;
    expectBearerRefusal(await bearer('tokA'));
    expectBearerRefusal(await listFields('Bearer tokA'));
    // The API key does not expire.
    expect((await search(sim, BODY)).status).toBe(200);
  });

  it('expires a token on demand, as when its application refreshed the grant: only that token answers 401', async () => {
    sim = await startCloseSimulator({ contacts: 5 });
    sim.issueAccessToken('tokA');
    expect((await bearer('tokA')).status).toBe(200);
    sim.issueAccessToken('tokB');
    sim.expireAccessToken('tokA');
    expectBearerRefusal(await bearer('tokA'));
    expect((await bearer('tokB')).status).toBe(200);
    // Without a simulator clock, Date.now decides: a token issued for no time at all is already expired.
    sim.issueAccessToken('tokC', 0);
    expectBearerRefusal(await bearer('tokC'));
  });

  it('refuses a token it issued before, an expiry of a token it never issued, and tokens with white space', async () => {
    sim = await startCloseSimulator({ contacts: 5, accessTokens: ['tokA'] });
    expect(() => sim.issueAccessToken('tokA')).toThrow(RangeError);
    sim.expireAccessToken('tokA');
    expect(() => sim.issueAccessToken('tokA')).toThrow(RangeError);
    expect(() => sim.expireAccessToken('tokZ')).toThrow(RangeError);
    expect(() => sim.issueAccessToken('tok A')).toThrow(RangeError);
    expect(() => sim.issueAccessToken('')).toThrow(RangeError);
    expect(() => sim.issueAccessToken('tokB', -1)).toThrow(RangeError);
    await expect(startCloseSimulator({ contacts: 5, accessTokens: ['tokA', 'tokA'] })).rejects.toThrow(RangeError);
  });
});
