import { afterEach, describe, expect, it } from 'vitest';
import { startCloseSimulator, type CloseSimulator } from '../../../simulators/close/index.js';
import { contactQuery, custom, fieldCondition, ids, onOrAfter, regular, search, sortBy, walk, type SimResponse } from './close-client.js';

describe('Close simulator sorting', () => {
  let sim: CloseSimulator;
  afterEach(async () => {
    await sim.close();
  });

  it('refuses sorting on related, reference, custom or unknown fields and bad directions', async () => {
    sim = await startCloseSimulator({ contacts: 10 });
    const cases: [unknown, string, RegExp][] = [
      [sortBy('display_name', 'asc', 'lead'), 'sort[0].field.object_type', /other objects/],
      [sortBy('lead_id'), 'sort[0].field.field_name', /cannot be used for sorting/],
      [sortBy('created_by'), 'sort[0].field.field_name', /cannot be used for sorting/],
      [sortBy('id'), 'sort[0].field.field_name', /cannot be used for sorting/],
      [sortBy('shoe_size'), 'sort[0].field.field_name', /Unknown contact field/],
      [[{ direction: 'asc', field: custom(sim.customFieldIds()[0]!) }], 'sort[0].field.type', /regular fields/],
      [[{ direction: 'up', field: regular('name') }], 'sort[0].direction', /asc/],
      [{ field: 'name' }, 'sort', /list/],
    ];
    for (const [sort, path, message] of cases) {
      const response = await search(sim, { query: contactQuery(), sort });
      expect(response.status, JSON.stringify(sort)).toBe(400);
      expect(response.json.errors[0]).toMatch(message);
      expect(Object.keys(response.json['field-errors'])).toEqual([path]);
    }
  });

  it('sorts by text, number and date fields in both directions, ties broken by id, missing values last', async () => {
    sim = await startCloseSimulator({ contacts: 300, seed: 4 });
    const contacts = sim.expectedIds().map((id) => sim.contact(id) as Record<string, any>);
    const fields = ['name', 'title', 'emails_count', 'date_created', 'date_updated'] as const;
    const value = (contact: Record<string, any>, field: string): string | number | null => {
      if (field === 'emails_count') return contact['emails'].length;
      const raw = contact[field];
      return typeof raw === 'string' ? raw.toLowerCase() : null;
    };
    for (const field of fields) {
      for (const direction of ['asc', 'desc'] as const) {
        const sign = direction === 'asc' ? 1 : -1;
        const expected = [...contacts]
          .sort((a, b) => {
            const [x, y] = [value(a, field), value(b, field)];
            if (x !== y) {
              if (x === null) return 1;
              if (y === null) return -1;
              return (x < y ? -1 : 1) * sign;
            }
            return (a['id'] < b['id'] ? -1 : 1) * sign;
          })
          .map((contact) => contact['id']);
        const found = (await walk(sim, { query: contactQuery(), sort: sortBy(field, direction), _limit: 37 })).flatMap(ids);
        expect(found, `${field} ${direction}`).toEqual(expected);
      }
    }
  });

  it('orders by id when no sort is given', async () => {
    sim = await startCloseSimulator({ contacts: 150 });
    const found = (await walk(sim, { query: contactQuery(), _limit: 40 })).flatMap(ids);
    expect(found).toEqual([...sim.expectedIds()].sort());
  });
});

describe('Close simulator cursor walks', () => {
  let sim: CloseSimulator;
  afterEach(async () => {
    await sim.close();
  });

  const byCreated = { query: contactQuery(), sort: sortBy('date_created') };

  it('covers every match exactly once when the walk stays under the cap, cursor null on the last page', async () => {
    sim = await startCloseSimulator({ contacts: 1000, seed: 9 });
    const pages = await walk(sim, { ...byCreated, _limit: 150 });
    expect(pages.map((page) => page.json.data.length)).toEqual([150, 150, 150, 150, 150, 150, 100]);
    expect(pages.slice(0, -1).every((page) => typeof page.json.cursor === 'string')).toBe(true);
    expect(pages.flatMap(ids)).toEqual(sim.expectedIds());
    // Exactly full last page: the cursor is null there too, no empty trailing page.
    expect((await walk(sim, { ...byCreated, _limit: 200 })).map((page) => page.json.data.length)).toEqual([200, 200, 200, 200, 200]);
  });

  it('stops a walk after maxObjectsPerWalk objects with cursor null, although more match', async () => {
    sim = await startCloseSimulator({ contacts: 1000, maxObjectsPerWalk: 450 });
    const pages = await walk(sim, { ...byCreated, _limit: 200, include_counts: true });
    expect(pages.map((page) => page.json.data.length)).toEqual([200, 200, 50]);
    expect(pages.at(-1)!.json.cursor).toBeNull();
    expect(pages[0]!.json.count).toEqual({ limited: 450, total: 1000 });
    expect(pages.flatMap(ids)).toEqual(sim.expectedIds().slice(0, 450));
    // The next walk resumes with a keyset condition.
    const lastCreated = sim.contact(sim.expectedIds()[449]!)!['date_created'] as string;
    const next = await walk(sim, {
      query: contactQuery(fieldCondition(regular('date_created'), onOrAfter(lastCreated))),
      sort: sortBy('date_created'),
      _limit: 200,
    });
    expect(next.flatMap(ids)).toEqual(sim.expectedIds().slice(449, 899));
  });

  it('caps the walk at results_limit and reports counts', async () => {
    sim = await startCloseSimulator({ contacts: 500 });
    const pages = await walk(sim, { ...byCreated, _limit: 60, results_limit: 130, include_counts: true });
    expect(pages.map((page) => page.json.data.length)).toEqual([60, 60, 10]);
    for (const page of pages) expect(page.json.count).toEqual({ limited: 130, total: 500 });
    const onlyCount = await search(sim, {
      query: contactQuery(fieldCondition(regular('emails_count'), { type: 'number_range', gte: 2 })),
      include_counts: true,
      results_limit: 0,
    });
    const expected = sim.expectedIds().filter((id) => (sim.contact(id)!['emails'] as unknown[]).length >= 2).length;
    expect(onlyCount.json).toEqual({ data: [], cursor: null, count: { limited: 0, total: expected } });
    const windowed = await search(sim, {
      ...byCreated,
      query: contactQuery(fieldCondition(regular('date_created'), onOrAfter(sim.contact(sim.expectedIds()[100]!)!['date_created'] as string))),
      include_counts: true,
    });
    expect(windowed.json.count).toEqual({ limited: 400, total: 400 });
    expect(Object.keys(windowed.json)).toEqual(['data', 'cursor', 'count']);
  });

  it('expires a cursor older than cursorTtlMs (simulator clock) with a 400 mentioning the cursor', async () => {
    let now = Date.UTC(2025, 5, 1);
    sim = await startCloseSimulator({ contacts: 100, cursorTtlMs: 30_000, now: () => now });
    const first = await search(sim, { ...byCreated, _limit: 10 });
    now += 30_000;
    const fresh = await search(sim, { ...byCreated, _limit: 10, cursor: first.json.cursor });
    expect(fresh.status).toBe(200);
    expect(ids(fresh)).toEqual(sim.expectedIds().slice(10, 20));
    now += 30_001;
    const expired = await search(sim, { ...byCreated, _limit: 10, cursor: fresh.json.cursor });
    expect(expired.status).toBe(400);
    expect(Object.keys(expired.json)).toEqual(['error', 'field-errors']);
    expect(expired.json.error).toBe('Invalid request.');
    expect(Object.keys(expired.json['field-errors'])).toEqual(['cursor']);
    expect(expired.json['field-errors'].cursor).toMatch(/cursor has expired/i);
    expect(sim.stats.cursorsExpired).toBe(1);
    // Each page issues a fresh cursor: a client that keeps up can walk for longer than the TTL.
    const again = await search(sim, { ...byCreated, _limit: 10 });
    now += 25_000;
    const second = await search(sim, { ...byCreated, _limit: 10, cursor: again.json.cursor });
    now += 25_000;
    expect((await search(sim, { ...byCreated, _limit: 10, cursor: second.json.cursor })).status).toBe(200);
  });

  it('refuses forged cursors and cursors of another query', async () => {
    sim = await startCloseSimulator({ contacts: 100 });
    const first = await search(sim, { ...byCreated, _limit: 10 });
    const cursor = first.json.cursor as string;
    for (const bad of ['nonsense', `${cursor}x`, `${cursor.slice(0, 10)}A${cursor.slice(11)}`]) {
      const response = await search(sim, { ...byCreated, _limit: 10, cursor: bad });
      expect(response.status).toBe(400);
      expect(response.json['field-errors'].cursor).toMatch(/cursor/i);
    }
    const other = await search(sim, { query: contactQuery(), sort: sortBy('date_created', 'desc'), cursor });
    expect(other.status).toBe(400);
    expect(other.json['field-errors'].cursor).toMatch(/cursor does not belong/);
    // _fields and _limit may change between pages.
    const next = await search(sim, { ...byCreated, _limit: 5, _fields: { contact: ['id', 'name'] }, cursor });
    expect(next.status).toBe(200);
    expect(ids(next)).toEqual(sim.expectedIds().slice(10, 15));
  });

  it("cursorErrorShape 'message' answers a refused cursor with {error} alone, naming the cursor in words", async () => {
    let now = Date.UTC(2025, 5, 1);
    sim = await startCloseSimulator({ contacts: 100, cursorTtlMs: 1000, cursorErrorShape: 'message', now: () => now });
    const first = await search(sim, { ...byCreated, _limit: 10 });
    now += 1001;
    const expired = await search(sim, { ...byCreated, _limit: 10, cursor: first.json.cursor });
    expect(expired.status).toBe(400);
    expect(Object.keys(expired.json)).toEqual(['error']);
    expect(expired.json.error).toMatch(/cursor has expired/i);
    const forged = await search(sim, { ...byCreated, cursor: 'nonsense' });
    expect(forged.json).toEqual({ error: expect.stringMatching(/Invalid cursor/) });
  });

  it("walkCapShape 'refuse' gives a cursor at the cap and refuses it with a 400 naming the cursor", async () => {
    sim = await startCloseSimulator({ contacts: 1000, maxObjectsPerWalk: 450, walkCapShape: 'refuse' });
    const pages: SimResponse[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page: SimResponse = await search(sim, { ...byCreated, _limit: 200, ...(cursor ? { cursor } : {}) });
      if (page.status !== 200) {
        expect(page.status).toBe(400);
        expect(Object.keys(page.json['field-errors'])).toEqual(['cursor']);
        break;
      }
      pages.push(page);
      cursor = page.json.cursor;
      expect(cursor).not.toBeNull();
    }
    expect(pages.map((page) => page.json.data.length)).toEqual([200, 200, 50]);
    expect(pages.flatMap(ids)).toEqual(sim.expectedIds().slice(0, 450));
    expect(sim.stats.walksRefusedAtCap).toBe(1);
    // A walk that ends before the cap still ends with cursor null, and results_limit still ends a walk with cursor null.
    expect((await walk(sim, { ...byCreated, _limit: 200, results_limit: 300 })).at(-1)!.json.cursor).toBeNull();
    const tail = await walk(sim, {
      query: contactQuery(fieldCondition(regular('date_created'), onOrAfter(sim.contact(sim.expectedIds()[700]!)!['date_created'] as string))),
      sort: sortBy('date_created'),
      _limit: 200,
    });
    expect(tail.flatMap(ids)).toEqual(sim.expectedIds().slice(700));
  });

  it('continues from the last sort position: edits that move contacts are seen again or missed, like an unstable sort', async () => {
    let now = Date.UTC(2025, 5, 1);
    sim = await startCloseSimulator({ contacts: 50, now: () => now });
    const body = { query: contactQuery(), sort: sortBy('date_updated'), _limit: 10 };
    const first = await search(sim, body);
    const seen = ids(first);
    now += 1000;
    sim.edit(seen[0]!, { title: 'Chief Everything Officer' });
    const rest = (await walk(sim, { ...body, cursor: first.json.cursor })).flatMap(ids);
    expect(rest.at(-1)).toBe(seen[0]);
    expect(seen.length + rest.length).toBe(51);
  });
});
