import { afterEach, describe, expect, it } from 'vitest';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/index.js';
import { TokenRegistry } from '../../simulators/virtuous/token-registry.js';
import { condition, ids, queryContacts, request, type SimResponse } from './simulator-client.js';

const DENIED = 'Authorization has been denied for this request.';
/** Long enough that no window of these tests ends while it runs, however slow the machine. */
const HOUR_MS = 3_600_000;

describe('Virtuous simulator serving several organizations', () => {
  let sim: VirtuousSimulator;
  afterEach(async () => {
    await sim.close();
  });

  /** Pages through everything a token sees with a `Contact Id GreaterThan <last id>` cursor, as an export does. */
  async function keysetExport(token: string, take: number): Promise<number[]> {
    const seen: number[] = [];
    let cursor = 0;
    for (;;) {
      const body = { groups: [{ conditions: [condition('Contact Id', 'GreaterThan', cursor)] }], sortBy: 'Id', descending: false };
      const response = await queryContacts(sim, body, { take, token });
      expect(response.status).toBe(200);
      const page = ids(response);
      seen.push(...page);
      if (page.length < take) return seen;
      cursor = page[page.length - 1]!;
    }
  }

  function expectDenied(response: SimResponse): void {
    expect(response.status).toBe(401);
    expect(response.text).toBe(DENIED);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  }

  it("answers each organization's own contacts, by its token, in keyset pages, with ids no other organization has", async () => {
    sim = await startVirtuousSimulator({
      contacts: 230,
      seed: 4,
      token: 'token-a',
      organizations: [{ name: 'b', tokens: ['token-b'], contacts: 170 }],
    });
    const a = sim.organization('default');
    const b = sim.organization('b');
    expect(sim.organizations.map((organization) => organization.name)).toEqual(['default', 'b']);
    expect(sim.token).toBe('token-a');
    expect(b.token).toBe('token-b');
    expect(sim.expectedIds()).toEqual(a.expectedIds());

    const seenA = await keysetExport('token-a', 50);
    const seenB = await keysetExport('token-b', 50);
    expect(seenA).toEqual(a.expectedIds());
    expect(seenB).toEqual(b.expectedIds());
    expect(seenA.length).toBeGreaterThan(150);
    expect(seenB.length).toBeGreaterThan(100);
    // The id ranges are apart, so a contact served to the wrong organization cannot pass for its own.
    expect(seenB[0]!).toBeGreaterThan(a.expectedIds({ includeArchived: true }).at(-1)!);

    const totalB = await queryContacts(sim, { groups: [] }, { token: 'token-b', take: 1 });
    expect(totalB.json.total).toBe(b.expectedIds().length);
    const idOfB = seenB[0]!;
    const fromB = await request(sim, 'GET', `/api/Contact/${idOfB}`, undefined, 'token-b');
    expect(fromB.status).toBe(200);
    expect(fromB.json).toEqual(b.fullContact(idOfB));
    expect((await request(sim, 'GET', `/api/Contact/${idOfB}`, undefined, 'token-a')).status).toBe(404);
    expect(a.fullContact(idOfB)).toBeUndefined();

    // b also served the one row of its total and the contact it was asked for by id.
    expect(a.stats.rowsServed).toBe(seenA.length);
    expect(b.stats.rowsServed).toBe(seenB.length + 2);
    expect(a.stats.requests + b.stats.requests).toBe(sim.stats.requests);
    expect(sim.stats.rowsServed).toBe(a.stats.rowsServed + b.stats.rowsServed);
    expect(b.stats.byStatus).toEqual({ 200: b.stats.requests });
    expect(a.stats.byStatus).toEqual({ 200: a.stats.requests - 1, 404: 1 });

    sim.resetStats();
    expect([sim.stats.requests, a.stats.requests, b.stats.requests]).toEqual([0, 0, 0]);
  });

  it('answers an unknown or missing token with the plain-text 401, charged to the first organization', async () => {
    sim = await startVirtuousSimulator({ contacts: 10, organizations: [{ name: 'b', tokens: ['token-b'], contacts: 10 }] });
    for (const token of ['nobody-holds-this', null]) {
      const response = await queryContacts(sim, { groups: [] }, { token });
      expectDenied(response);
      expect(response.headers.get('x-ratelimit-remaining')).not.toBeNull();
    }
    expect(sim.organization('default').stats.byStatus).toEqual({ 401: 2 });
    expect(sim.organization('b').stats.requests).toBe(0);
  });

  it('refuses a rotated-out token with the 401 while its replacement works; a grace period keeps both for a while', async () => {
    sim = await startVirtuousSimulator({ contacts: 30, organizations: [{ name: 'b', tokens: ['b-1'], contacts: 30 }] });
    const b = sim.organization('b');
    const expectedB = b.expectedIds();

    const fresh = b.rotateToken();
    expect(fresh).not.toBe('b-1');
    expect([b.token, b.tokens]).toEqual([fresh, [fresh]]);
    expectDenied(await queryContacts(sim, { groups: [] }, { token: 'b-1', take: 100 }));
    const answered = await queryContacts(sim, { groups: [] }, { token: fresh, take: 100 });
    expect(answered.status).toBe(200);
    expect(ids(answered)).toEqual(expectedB);
    // The refused request carried b's old token: it is b's, not the first organization's.
    expect(b.stats.byStatus).toEqual({ 200: 1, 401: 1 });
    expect(sim.organization('default').stats.requests).toBe(0);
    expect((await queryContacts(sim, { groups: [] })).status).toBe(200);

    const graced = b.rotateToken({ newToken: 'b-3', graceMs: HOUR_MS });
    expect([graced, b.tokens]).toEqual(['b-3', ['b-3']]);
    expect((await queryContacts(sim, { groups: [] }, { token: fresh })).status).toBe(200);
    expect((await queryContacts(sim, { groups: [] }, { token: 'b-3' })).status).toBe(200);

    // The first organization's rotation moves `simulator.token` with it.
    sim.organizations[0]!.rotateToken({ newToken: 'sim-token-2' });
    expect(sim.token).toBe('sim-token-2');
    expectDenied(await queryContacts(sim, { groups: [] }, { token: 'sim-token' }));
    expect((await queryContacts(sim, { groups: [] })).status).toBe(200);

    expect(() => b.rotateToken({ newToken: 'sim-token-2' })).toThrow(/unique/);
    expect(() => b.rotateToken({ newToken: 'b-1' })).toThrow(/unique/);
    expect(() => b.rotateToken({ oldToken: 'sim-token-2' })).toThrow(/holds no such token/);
  });

  it("keeps each organization's rate window its own, shared by every token of it", async () => {
    sim = await startVirtuousSimulator({
      contacts: 10,
      token: 'a',
      rateLimit: { limit: 2, windowMs: HOUR_MS },
      organizations: [{ name: 'b', tokens: ['b-1', 'b-2'], contacts: 10, rateLimit: { limit: 3, windowMs: HOUR_MS } }],
    });
    const statuses = async (token: string) => {
      const response = await queryContacts(sim, { groups: [] }, { token });
      return [response.status, response.headers.get('x-ratelimit-limit'), response.headers.get('x-ratelimit-remaining')];
    };
    expect(await statuses('a')).toEqual([200, '2', '1']);
    expect(await statuses('a')).toEqual([200, '2', '0']);
    expect(await statuses('a')).toEqual([429, '2', '0']);
    expect(await statuses('b-1')).toEqual([200, '3', '2']);
    expect(await statuses('b-2')).toEqual([200, '3', '1']);
    expect(await statuses('b-1')).toEqual([200, '3', '0']);
    expect(await statuses('b-2')).toEqual([429, '3', '0']);
    expect(sim.organization('default').stats.byStatus).toEqual({ 200: 2, 429: 1 });
    expect(sim.organization('b').stats.byStatus).toEqual({ 200: 3, 429: 1 });
  });

  it('serves a 429 storm to one organization only when asked on it, and replays answers per organization', async () => {
    sim = await startVirtuousSimulator({
      contacts: 10,
      replayCache: true,
      organizations: [{ name: 'b', tokens: ['token-b'], contacts: 10 }],
    });
    const b = sim.organization('b');
    const fromA = await queryContacts(sim, { groups: [] }, { take: 100 });
    const fromB = await queryContacts(sim, { groups: [] }, { token: 'token-b', take: 100 });
    expect(ids(fromA)).toEqual(sim.expectedIds());
    expect(ids(fromB)).toEqual(b.expectedIds());

    b.serve429Storm(HOUR_MS);
    expect((await queryContacts(sim, { groups: [] }, { token: 'token-b' })).status).toBe(429);
    expect((await queryContacts(sim, { groups: [] })).status).toBe(200);
  });

  it('places an organization at the first id it is given', async () => {
    sim = await startVirtuousSimulator({
      contacts: 10,
      organizations: [{ name: 'b', tokens: ['token-b'], contacts: 10, firstContactId: 5_000_000 }],
    });
    const first = sim.organization('b').expectedIds({ includeArchived: true })[0]!;
    expect(first).toBeGreaterThanOrEqual(5_000_000);
    expect(first).toBeLessThan(5_000_003);
    expect(() => sim.organization('c')).toThrow(/no organization named 'c'/);
  });
});

describe('Virtuous simulator organization options', () => {
  it('refuses shared tokens, shared names, overlapping ids and organizations without a token', async () => {
    const b = { name: 'b', tokens: ['token-b'], contacts: 10 };
    await expect(startVirtuousSimulator({ contacts: 10, organizations: [{ ...b, tokens: ['sim-token'] }] })).rejects.toThrow(/unique/);
    await expect(startVirtuousSimulator({ contacts: 10, organizations: [b, { ...b, tokens: ['token-c'] }] })).rejects.toThrow(/own name/);
    await expect(startVirtuousSimulator({ contacts: 10, organizations: [{ ...b, name: 'default' }] })).rejects.toThrow(/own name/);
    await expect(startVirtuousSimulator({ contacts: 1000, organizations: [{ ...b, firstContactId: 3000 }] })).rejects.toThrow(
      /'default' and 'b' would share contact ids: 'b' needs firstContactId >= 4000/,
    );
    await expect(startVirtuousSimulator({ contacts: 10, organizations: [{ ...b, tokens: [] }] })).rejects.toThrow(/at least one token/);
    await expect(startVirtuousSimulator({ contacts: 10, organizations: [{ ...b, tokens: ['has space'] }] })).rejects.toThrow(/white space/);
  });
});

describe('TokenRegistry', () => {
  it('keeps a rotated-out token for its grace period, then refuses it while still naming its holder', () => {
    let now = 1_000_000;
    const registry = new TokenRegistry<string>(() => now);
    registry.add('old', 'b');
    registry.rotate('old', 'new', 5000);
    expect(registry.lookup('old')).toEqual({ holder: 'b', accepted: true });
    expect(registry.lookup('new')).toEqual({ holder: 'b', accepted: true });
    now += 4999;
    expect(registry.lookup('old')?.accepted).toBe(true);
    now += 1;
    expect(registry.lookup('old')).toEqual({ holder: 'b', accepted: false });
    expect(registry.lookup('unknown')).toBeUndefined();
    expect(registry.lookup(undefined)).toBeUndefined();
    expect(() => registry.rotate('old', 'newer', 0)).toThrow(/currently holds/);
    expect(() => registry.rotate('new', 'old', 0)).toThrow(/unique/);
    expect(() => registry.rotate('new', 'newer', -1)).toThrow(/graceMs/);
  });
});
