import { afterEach, describe, expect, it } from 'vitest';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/index.js';
import { condition, ids, keysetBody, queryContacts, request } from './simulator-client.js';

describe('Virtuous simulator mutations', () => {
  let sim: VirtuousSimulator;
  afterEach(async () => {
    await sim.close();
  });

  const modifiedMs = (id: number): number => Date.parse(`${sim.fullContact(id)!.modifiedDateTimeUtc}Z`);

  it('edit changes fields and bumps modifiedDateTimeUtc past every generated timestamp, visible over HTTP', async () => {
    sim = await startVirtuousSimulator({ contacts: 300 });
    const all = sim.expectedIds();
    const id = all[42]!;
    const before = sim.fullContact(id)!;
    const latestGenerated = Math.max(...all.map(modifiedMs));

    sim.edit(id, { name: 'Zoë "Zed" Ødegaard', tags: ['Major Donor'], description: null });
    const after = sim.fullContact(id)!;
    expect(after).toMatchObject({
      name: 'Zoë "Zed" Ødegaard',
      tags: ['Major Donor'],
      description: null,
      createDateTimeUtc: before.createDateTimeUtc,
    });
    expect(after.modifiedDateTimeUtc).not.toBe(before.modifiedDateTimeUtc);
    expect(after.modifiedDateTimeUtc).not.toMatch(/Z|[+-]\d\d:\d\d$/);
    expect(modifiedMs(id)).toBeGreaterThan(latestGenerated);
    expect(sim.abbreviatedContact(id)!.name).toBe('Zoë "Zed" Ødegaard');

    const full = await queryContacts(sim, { groups: [{ conditions: [condition('Contact Id', 'Is', id)] }] }, { full: true });
    expect(full.json.list).toEqual([after]);
    expect((await request(sim, 'GET', `/api/Contact/${id}`)).json).toEqual(after);

    const recent = await queryContacts(sim, {
      groups: [{ conditions: [condition('Last Modified Date', 'OnOrAfter', '30 Days Ago')] }],
      sortBy: 'LastModifiedDate',
    });
    expect(ids(recent)).toEqual([id]);
    const byTimestamp = await queryContacts(sim, {
      groups: [{ conditions: [condition('Last Modified Date', 'After', before.modifiedDateTimeUtc)] }],
      sortBy: 'Last Modified Date',
      descending: true,
    });
    expect(ids(byTimestamp)[0]).toBe(id);
  });

  it('gives successive mutations strictly increasing modification times', async () => {
    sim = await startVirtuousSimulator({ contacts: 50 });
    const [a, b, c] = sim.expectedIds();
    sim.edit(a!, { informalName: 'Al' });
    sim.edit(b!, { informalName: 'Bea' });
    sim.archive(c!);
    const stamps = [a!, b!, c!].map((id) => sim.fullContact(id)!.modifiedDateTimeUtc);
    expect([...stamps].sort()).toEqual(stamps);
    expect(new Set(stamps).size).toBe(3);
  });

  it('archive hides a contact from default queries, keeps it with includeArchived, and bumps its time', async () => {
    sim = await startVirtuousSimulator({ contacts: 400, archivedFraction: 0.2 });
    const id = sim.expectedIds()[100]!;
    const before = sim.fullContact(id)!;
    const totalBefore = (await queryContacts(sim, {})).json.total;

    sim.archive(id);
    expect(sim.expectedIds()).not.toContain(id);
    expect(sim.expectedIds({ includeArchived: true })).toContain(id);
    expect(sim.fullContact(id)!.modifiedDateTimeUtc > before.modifiedDateTimeUtc).toBe(true);

    expect((await queryContacts(sim, {})).json.total).toBe(totalBefore - 1);
    const window = keysetBody(id - 10, id + 10);
    expect(ids(await queryContacts(sim, window))).not.toContain(id);
    expect(ids(await queryContacts(sim, { ...window, includeArchived: true }))).toContain(id);
    expect((await request(sim, 'GET', `/api/Contact/${id}`)).status).toBe(200);
  });

  it('insert adds live contacts above the previous max id, found by keyset pages and max-id lookups', async () => {
    sim = await startVirtuousSimulator({ contacts: 1000 });
    const previousMax = Math.max(...sim.expectedIds({ includeArchived: true }));
    const inserted = sim.insert(25);
    expect(inserted).toHaveLength(25);
    expect(inserted[0]).toBeGreaterThan(previousMax);
    expect([...inserted].sort((x, y) => x - y)).toEqual(inserted);
    expect(sim.expectedIds().slice(-25)).toEqual(inserted);

    const page = await queryContacts(sim, keysetBody(previousMax, Number.MAX_SAFE_INTEGER), { take: 1000 });
    expect(ids(page)).toEqual(inserted);
    expect(page.json.total).toBe(25);
    const top = await queryContacts(sim, { sortBy: 'Id', descending: true }, { take: 1 });
    expect(ids(top)).toEqual([inserted[24]]);

    const created = sim.fullContact(inserted[0]!)!;
    expect(created.createDateTimeUtc).toBe(created.modifiedDateTimeUtc);
    expect(Date.parse(`${created.createDateTimeUtc}Z`)).toBeGreaterThan(Date.parse('2025-01-01T00:00:00Z'));
  });

  it('rejects mutations of unknown ids', async () => {
    sim = await startVirtuousSimulator({ contacts: 10 });
    expect(() => sim.edit(1, { name: 'x' })).toThrow(/no contact with id 1/);
    expect(() => sim.archive(999_999)).toThrow();
  });
});
