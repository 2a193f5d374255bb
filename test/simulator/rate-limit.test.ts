import { afterEach, describe, expect, it } from 'vitest';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/index.js';
import { RateWindow } from '../../simulators/virtuous/rate-window.js';
import { queryContacts, request } from './simulator-client.js';

describe('Virtuous simulator rate limit (HTTP)', () => {
  let sim: VirtuousSimulator;
  afterEach(async () => {
    await sim.close();
  });

  it('refuses the 6th request of a 5-per-second window with 429, Retry-After and RATE_LIMITED', async () => {
    sim = await startVirtuousSimulator({ contacts: 10, rateLimit: { limit: 5, windowMs: 1000 } });
    const responses = [
      await queryContacts(sim, {}),
      await request(sim, 'GET', '/api/Contact/QueryOptions'),
      await queryContacts(sim, {}, { token: 'wrong' }),
      await request(sim, 'GET', '/api/Contact/1'),
      await queryContacts(sim, {}, { take: 5000 }),
      await queryContacts(sim, {}),
    ];
    expect(responses.map((response) => response.status)).toEqual([200, 200, 401, expect.any(Number), 400, 429]);
    expect(responses.map((response) => response.headers.get('x-ratelimit-remaining'))).toEqual(['4', '3', '2', '1', '0', '0']);
    for (const response of responses) {
      expect(response.headers.get('x-ratelimit-limit')).toBe('5');
      const reset = Number(response.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
      expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 2);
    }
    const refused = responses[5]!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.json).toEqual({ error: { code: 'RATE_LIMITED', message: expect.any(String), details: [] } });
    expect(sim.stats.byStatus[429]).toBe(1);
  });

  it('aligns the window to the clock when asked (alignment: clock)', async () => {
    sim = await startVirtuousSimulator({ contacts: 10, rateLimit: { limit: 5, windowMs: 1000, alignment: 'clock' } });
    const before = Date.now();
    const response = await queryContacts(sim, {});
    const after = Date.now();
    expect(response.status).toBe(200);
    // The window is the whole second the request fell in: it ends at the next whole second.
    const reset = Number(response.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 1);
    expect(reset).toBeLessThanOrEqual(Math.floor(after / 1000) + 1);
  });

  it('advertises a large budget and never refuses when no limit is configured', async () => {
    sim = await startVirtuousSimulator({ contacts: 10 });
    for (let k = 0; k < 3; k++) {
      const response = await queryContacts(sim, {});
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBe('1000000');
      expect(response.headers.get('x-ratelimit-remaining')).toBe(String(999_999 - k));
    }
  });
});

describe('RateWindow', () => {
  it('opens a fixed window on first use, refuses once spent without charging refusals, and resets', () => {
    let now = 10_000_400;
    const window = new RateWindow({ limit: 2, windowMs: 60_000 }, () => now);
    expect(window.consume()).toEqual({
      allowed: true,
      headers: { 'X-RateLimit-Limit': '2', 'X-RateLimit-Remaining': '1', 'X-RateLimit-Reset': String(Math.ceil(10_060_400 / 1000)) },
    });
    expect(window.consume().allowed).toBe(true);
    now += 58_500;
    const refused = window.consume();
    expect(refused.allowed).toBe(false);
    expect(refused.headers['Retry-After']).toBe('2');
    expect(refused.headers['X-RateLimit-Remaining']).toBe('0');
    now += 999;
    expect(window.consume().headers['Retry-After']).toBe('1');
    now += 501;
    const fresh = window.consume();
    expect(fresh.allowed).toBe(true);
    expect(fresh.headers['X-RateLimit-Remaining']).toBe('1');
    expect(fresh.headers['X-RateLimit-Reset']).toBe(String(Math.ceil((now + 60_000) / 1000)));
  });

  it('in clock mode, places windows on multiples of windowMs since the epoch, whenever the first request comes', () => {
    let now = 10_000_400;
    const window = new RateWindow({ limit: 2, windowMs: 60_000, alignment: 'clock' }, () => now);
    // 10,000,400 falls in [9,960,000, 10,020,000): its end, in Unix seconds, is exact.
    expect(window.consume().headers).toEqual({ 'X-RateLimit-Limit': '2', 'X-RateLimit-Remaining': '1', 'X-RateLimit-Reset': '10020' });
    expect(window.consume().allowed).toBe(true);
    now = 10_019_001;
    const refused = window.consume();
    expect(refused.allowed).toBe(false);
    expect(refused.headers).toMatchObject({ 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '10020', 'Retry-After': '1' });
    // The next window opens on the boundary, not with the next request.
    now = 10_020_000;
    expect(window.consume().headers).toMatchObject({ 'X-RateLimit-Remaining': '1', 'X-RateLimit-Reset': '10080' });
    // Windows nobody used are skipped; the one holding `now` counts.
    now = 10_200_500;
    expect(window.consume().headers).toMatchObject({ 'X-RateLimit-Remaining': '1', 'X-RateLimit-Reset': '10260' });
  });

  it('reports a window end between whole seconds rounded up (clock mode, 1.5 s windows)', () => {
    const window = new RateWindow({ limit: 5, windowMs: 1500, alignment: 'clock' }, () => 3_000_100);
    // [3,000,000, 3,001,500) holds 3,000,100: it ends at 3001.5 s, rounded up to 3002.
    expect(window.consume().headers['X-RateLimit-Reset']).toBe('3002');
    const later = new RateWindow({ limit: 5, windowMs: 1500, alignment: 'clock' }, () => 3_001_600);
    // [3,001,500, 3,003,000): it ends on a whole second, 3003.
    expect(later.consume().headers['X-RateLimit-Reset']).toBe('3003');
  });

  it('refuses an unknown alignment', () => {
    expect(() => new RateWindow({ limit: 5, windowMs: 1000, alignment: 'sliding' as 'clock' })).toThrow(RangeError);
  });

  it('serves a 429 storm: every request refused with a Retry-After counting down, then the budget again', () => {
    let now = 5_000_000;
    const window = new RateWindow({ limit: 10, windowMs: 1000 }, () => now);
    window.storm(3000);
    const first = window.consume();
    expect(first).toEqual({
      allowed: false,
      headers: { 'X-RateLimit-Limit': '10', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '5003', 'Retry-After': '3' },
    });
    now += 2500;
    expect(window.consume().headers['Retry-After']).toBe('1');
    now += 500;
    expect(window.consume()).toMatchObject({ allowed: true, headers: { 'X-RateLimit-Remaining': '9' } });
  });
});
