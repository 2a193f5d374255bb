import { afterEach, describe, expect, it } from 'vitest';
import { CloseIdFactory, unmix32 } from '../../../simulators/close/close-ids.js';
import { formatCloseTimestamp, parseIsoMicros } from '../../../simulators/close/close-timestamp.js';
import { DEFAULT_SHARED_TIMESTAMP, startCloseSimulator, type CloseSimulator } from '../../../simulators/close/index.js';
import { IndexHasher, mix32 } from '../../../simulators/virtuous/index-hasher.js';
import { contactQuery, fieldCondition, ids, onOrAfter, regular, search, sortBy, walk } from './close-client.js';

const ID = /^cont_[A-Za-z0-9]{43}$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;

describe('Close simulator data', () => {
  let sims: CloseSimulator[] = [];
  afterEach(async () => {
    await Promise.all(sims.map((sim) => sim.close()));
    sims = [];
  });
  async function start(options: Parameters<typeof startCloseSimulator>[0]): Promise<CloseSimulator> {
    const sim = await startCloseSimulator(options);
    sims.push(sim);
    return sim;
  }

  it('generates Close-shaped contacts: ids, leads, timestamps, emails, phones, urls, custom fields', async () => {
    const sim = await start({ contacts: 2000, seed: 3, customFields: 3 });
    const all = sim.expectedIds().map((id) => sim.contact(id) as Record<string, any>);
    expect(new Set(all.map((contact) => contact['id'])).size).toBe(2000);
    for (const contact of all) {
      expect(contact['id']).toMatch(ID);
      expect(contact['lead_id']).toMatch(/^lead_[A-Za-z0-9]{43}$/);
      expect(contact['organization_id']).toMatch(/^orga_[A-Za-z0-9]{43}$/);
      expect(contact['created_by']).toMatch(/^user_[A-Za-z0-9]{43}$/);
      expect(contact['date_created']).toMatch(TIMESTAMP);
      expect(contact['date_updated']).toMatch(TIMESTAMP);
      expect(contact['date_updated'] >= contact['date_created']).toBe(true);
      expect(contact['date_created'] < '2024-07-01').toBe(true);
      expect((contact['emails'] as unknown[]).length).toBeLessThanOrEqual(3);
      for (const email of contact['emails'] as any[]) expect(Object.keys(email)).toEqual(['type', 'email']);
      for (const phone of contact['phones'] as any[]) {
        expect(Object.keys(phone)).toEqual(['type', 'phone', 'phone_formatted', 'country']);
        expect(phone.phone).toMatch(/^\+\d{8,15}$/);
      }
      for (const url of contact['urls'] as any[]) expect(Object.keys(url)).toEqual(['type', 'url']);
      for (const key of Object.keys(contact).filter((name) => name.startsWith('custom.'))) {
        expect(sim.customFieldIds().map((id) => `custom.${id}`)).toContain(key);
      }
    }
    expect(sim.customFieldIds()).toHaveLength(3);
    for (const id of sim.customFieldIds()) expect(id).toMatch(/^cf_[A-Za-z0-9]{43}$/);
    const count = (predicate: (contact: Record<string, any>) => boolean) => all.filter(predicate).length;
    expect(count((contact) => contact['emails'].length === 0)).toBeGreaterThan(100);
    expect(count((contact) => contact['title'] === 'CEO')).toBeGreaterThan(20);
    expect(count((contact) => /[^\x00-\x7f]/.test(contact['name']))).toBeGreaterThan(100);
    expect(count((contact) => contact['name'] === '' && contact['display_name'] === contact['emails'][0]?.email)).toBeGreaterThan(0);
    expect(count((contact) => /\.\d{3}000\+/.test(contact['date_created']))).toBeGreaterThan(500);
    expect(new Set(all.map((contact) => contact['date_created'])).size).toBe(2000);
    // Several contacts share a lead, and leads carry statuses with labels and custom fields.
    const leads = new Set(all.map((contact) => contact['lead_id']));
    expect(leads.size).toBeLessThan(1600);
    expect(leads.size).toBeGreaterThan(900);
    const statuses = new Map(all.map((contact) => sim.leadOf(contact['id'])!).map((lead) => [lead['status_id'], lead['status_label']]));
    expect([...statuses.values()].sort()).toEqual(['Bad Fit', 'Canceled', 'Customer', 'Potential', 'Qualified']);
    const lead = sim.leadOf(all[0]!['id'])!;
    expect(lead['id']).toBe(all[0]!['lead_id']);
    expect(Object.keys(lead)).toEqual(expect.arrayContaining(['id', 'display_name', 'status_id', 'status_label']));
    expect(sim.contact('cont_doesnotexist')).toBeUndefined();
    expect(sim.leadOf('cont_doesnotexist')).toBeUndefined();
  });

  it('is deterministic: same seed, same data and same responses; another seed, other data', async () => {
    const options = { contacts: 500, seed: 11, sharedTimestamp: { count: 20 } };
    const [a, b, c] = [await start(options), await start(options), await start({ ...options, seed: 12 })];
    expect(a.expectedIds()).toEqual(b.expectedIds());
    expect(a.customFieldIds()).toEqual(b.customFieldIds());
    expect(a.expectedIds().map((id) => a.contact(id))).toEqual(b.expectedIds().map((id) => b.contact(id)));
    const body = { query: contactQuery(), sort: sortBy('name', 'desc'), _limit: 200, _fields: { contact: ['id', 'name', 'custom'] } };
    expect((await walk(a, body)).map((page) => page.json.data)).toEqual((await walk(b, body)).map((page) => page.json.data));
    expect(c.expectedIds()).not.toEqual(a.expectedIds());
    expect(new Set(c.expectedIds()).size).toBe(500);
  });

  it('gives sharedTimestamp contacts one microsecond-identical date_created', async () => {
    const sim = await start({ contacts: 1000, sharedTimestamp: { count: 100 } });
    const created = sim.expectedIds().map((id) => sim.contact(id)!['date_created']);
    expect(created.filter((value) => value === DEFAULT_SHARED_TIMESTAMP)).toHaveLength(100);
    expect(new Set(created).size).toBe(901);
    const response = await search(sim, {
      query: contactQuery(fieldCondition(regular('date_created'), onOrAfter(DEFAULT_SHARED_TIMESTAMP, '2018-10-01T12:00:00.123457Z'))),
      _limit: 200,
    });
    expect(response.json.data).toHaveLength(100);
  });

  it('maps ids back to indices and keeps string order equal to order-key order', () => {
    const factory = new CloseIdFactory(new IndexHasher(5), 'cont_', 1);
    const made = Array.from({ length: 3000 }, (_, index) => ({ id: factory.idAt(index), key: factory.orderKey(index), index }));
    for (const { id, index } of made) expect(factory.indexOf(id)).toBe(index);
    expect(factory.indexOf(`${made[0]!.id.slice(0, -1)}${made[0]!.id.endsWith('a') ? 'b' : 'a'}`)).toBe(-1);
    expect(factory.indexOf('lead_x')).toBe(-1);
    const byString = [...made].sort((x, y) => (x.id < y.id ? -1 : 1)).map((entry) => entry.index);
    const byKey = [...made].sort((x, y) => x.key - y.key).map((entry) => entry.index);
    expect(byString).toEqual(byKey);
    for (const value of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 123_456_789]) expect(unmix32(mix32(value))).toBe(value);
  });

  it('formats and parses timestamps to the microsecond', () => {
    expect(formatCloseTimestamp(Date.UTC(2013, 1, 20, 5, 44, 35, 625) * 1000)).toBe('2013-02-20T05:44:35.625000+00:00');
    expect(formatCloseTimestamp(Date.UTC(2000, 1, 29) * 1000 + 7)).toBe('2000-02-29T00:00:00.000007+00:00');
    expect(parseIsoMicros('2013-02-20T05:44:35.625001+00:00')).toBe(Date.UTC(2013, 1, 20, 5, 44, 35, 625) * 1000 + 1);
    expect(parseIsoMicros('2013-02-20T06:44:35.1234567+01:00')).toBe(Date.UTC(2013, 1, 20, 5, 44, 35, 123) * 1000 + 456);
    expect(parseIsoMicros('2013-02-20')).toBe(Date.UTC(2013, 1, 20) * 1000);
    expect(parseIsoMicros('2013-02-30')).toBeUndefined();
    expect(parseIsoMicros('yesterday')).toBeUndefined();
    for (let k = 0; k < 1000; k++) {
      const micros = Date.UTC(1990, 0, 1) * 1000 + k * 987_654_321_123;
      expect(parseIsoMicros(formatCloseTimestamp(micros))).toBe(micros);
    }
  });
});

describe('Close simulator mutations', () => {
  let sim: CloseSimulator;
  afterEach(async () => {
    await sim.close();
  });

  it('edit changes fields, bumps date_updated past the generated history and is visible to queries', async () => {
    let now = Date.UTC(2025, 2, 1);
    sim = await startCloseSimulator({ contacts: 100, now: () => now });
    const id = sim.expectedIds()[42]!;
    const [tier] = sim.customFieldIds();
    const before = sim.contact(id)!;
    now += 5;
    sim.edit(id, { name: 'Bruce Wayne', title: 'The Dark Knight', [`custom.${tier}`]: 'Gold' });
    const after = sim.contact(id)!;
    expect(after).toMatchObject({ name: 'Bruce Wayne', display_name: 'Bruce Wayne', title: 'The Dark Knight', [`custom.${tier}`]: 'Gold' });
    expect(after['date_created']).toBe(before['date_created']);
    expect(after['date_updated']).toBe(formatCloseTimestamp(now * 1000));
    const found = await search(sim, {
      query: contactQuery(fieldCondition(regular('title'), { type: 'text', mode: 'phrase', value: 'dark knight' })),
    });
    expect(ids(found)).toEqual([id]);
    const recent = await search(sim, { query: contactQuery(fieldCondition(regular('date_updated'), onOrAfter('2025-01-01'))) });
    expect(ids(recent)).toEqual([id]);
    sim.edit(id, { [`custom.${tier}`]: undefined });
    expect(sim.contact(id)).not.toHaveProperty(`custom.${tier}`);
    expect(String(sim.contact(id)!['date_updated']) > String(after['date_updated'])).toBe(true);
    expect(() => sim.edit(id, { date_created: 'x' })).toThrow(RangeError);
    expect(() => sim.edit(id, { 'custom.cf_unknown': 1 })).toThrow(RangeError);
    expect(() => sim.edit('cont_nope', { name: 'x' })).toThrow(RangeError);
  });

  it('insert adds contacts created now, last in date_created order and found by keyset queries', async () => {
    let now = Date.UTC(2025, 2, 1);
    sim = await startCloseSimulator({ contacts: 100, now: () => now });
    const before = sim.expectedIds();
    now += 1000;
    const added = sim.insert(3);
    expect(added).toHaveLength(3);
    for (const id of added) expect(id).toMatch(ID);
    expect(sim.expectedIds()).toEqual([...before, ...added]);
    const created = added.map((id) => sim.contact(id)!['date_created']);
    expect(created[0]).toBe(formatCloseTimestamp(now * 1000));
    expect(created[1]).toBe(formatCloseTimestamp(now * 1000 + 1));
    const lastOld = sim.contact(before.at(-1)!)!['date_created'] as string;
    const response = await search(sim, {
      query: contactQuery(fieldCondition(regular('date_created'), onOrAfter(lastOld))),
      sort: sortBy('date_created'),
    });
    expect(ids(response)).toEqual([before.at(-1), ...added]);
    expect(ids(await search(sim, { query: contactQuery({ type: 'id', value: added[1] }) }))).toEqual([added[1]]);
    expect((await walk(sim, { query: contactQuery(), _limit: 200 })).flatMap(ids)).toHaveLength(103);
  });
});

describe('Close simulator faults', () => {
  let sim: CloseSimulator;
  afterEach(async () => {
    await sim.close();
  });

  it('answers 500/503 with RateLimit headers, drops sockets, and recovers when faults are cleared', async () => {
    sim = await startCloseSimulator({ contacts: 10, faults: { errorRate: 1 } });
    const body = { query: contactQuery() };
    for (let k = 0; k < 4; k++) {
      const response = await search(sim, body);
      expect([500, 503]).toContain(response.status);
      expect(response.json.error).toEqual(expect.any(String));
      expect(response.headers.get('ratelimit')).not.toBeNull();
    }
    sim.setFaults({ dropRate: 1 });
    await expect(search(sim, body)).rejects.toThrow();
    expect(sim.stats.byStatus[0]).toBe(1);
    sim.setFaults({ latencyMs: 30 });
    const started = performance.now();
    expect((await search(sim, body)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    sim.setFaults(undefined);
    expect((await search(sim, body)).status).toBe(200);
    expect(sim.stats.requests).toBe(7);
    sim.resetStats();
    expect(sim.stats).toEqual({
      requests: 0,
      byStatus: {},
      rowsServed: 0,
      cursorsExpired: 0,
      walksRefusedAtCap: 0,
      customFieldListings: 0,
      rateLimited: { key: 0, organization: 0 },
    });
  });

  it('injects the same faults for the same seed', async () => {
    const statuses = async () => {
      const s = await startCloseSimulator({ contacts: 5, faults: { errorRate: 0.5, seed: 99 } });
      const result: number[] = [];
      for (let k = 0; k < 12; k++) result.push((await search(s, { query: contactQuery() })).status);
      await s.close();
      return result;
    };
    sim = await startCloseSimulator({ contacts: 1 });
    const first = await statuses();
    expect(first).toEqual(await statuses());
    expect(first).toContain(200);
    expect(first.some((status) => status >= 500)).toBe(true);
  });
});
