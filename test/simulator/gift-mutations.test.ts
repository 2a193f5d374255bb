import { afterEach, describe, expect, it } from 'vitest';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/index.js';
import { giftKeysetBody, queryGifts } from './gift-client.js';
import { condition, ids } from './simulator-client.js';

/** The simulator's clock: a fixed instant after every generated timestamp, so that "Today" is known. */
const NOW_MS = Date.UTC(2025, 5, 1, 12, 0, 0);

describe('Virtuous simulator gift mutations', () => {
  let sim: VirtuousSimulator;
  afterEach(async () => {
    await sim.close();
  });

  const start = async (options: { replayCache?: boolean } = {}): Promise<VirtuousSimulator> =>
    (sim = await startVirtuousSimulator({ contacts: 60, gifts: 400, seed: 12, now: () => NOW_MS, ...options }));
  const modifiedFilter = (parameter: string, operator: string, value: string) => ({
    groups: [{ conditions: [condition(parameter, operator, value)] }],
    sortBy: 'Id',
  });

  it('editGift changes the gift and moves its modifiedDateTimeUtc to now, where a Last Modified Date filter finds it', async () => {
    await start();
    const all = sim.expectedGiftIds();
    const id = all[123]!;
    const before = sim.fullGift(id)!;
    const latestGenerated = all
      .map((giftId) => sim.fullGift(giftId)!.modifiedDateTimeUtc)
      .sort()
      .at(-1)!;

    sim.editGift(id, { amount: 10.5, batch: 'Batch Ω', giftDate: '2024-02-29T00:00:00' });
    const after = sim.fullGift(id)!;
    expect(after).toMatchObject({ amount: 10.5, batch: 'Batch Ω', giftDate: '2024-02-29T00:00:00', createDateTimeUtc: before.createDateTimeUtc });
    expect(after.modifiedDateTimeUtc).toBe('2025-06-01T12:00:00.0000000Z');
    expect(after.modifiedDateTimeUtc > latestGenerated).toBe(true);
    expect(after.giftDesignations.map((designation) => designation.projectId)).toEqual(
      before.giftDesignations.map((designation) => designation.projectId),
    );
    expect(after.giftDesignations.reduce((sum, designation) => sum + Math.round(designation.amountDesignated * 100), 0)).toBe(1050);
    expect(sim.abbreviatedGift(id)).toMatchObject({ amount: 10.5, batch: 'Batch Ω' });

    const byId = await queryGifts(sim, { groups: [{ conditions: [condition('Gift Id', 'Is', id)] }] }, { full: true });
    expect(byId.json).toEqual({ list: [after], total: 1 });
    for (const body of [
      modifiedFilter('Last Modified Date', 'OnOrAfter', 'Today'),
      modifiedFilter('Last Modified Date', 'After', latestGenerated),
      modifiedFilter('Last Modified DateTime UTC', 'OnOrAfter', '2025-06-01T12:00:00Z'),
    ]) {
      const found = await queryGifts(sim, body, { full: true, take: 1000 });
      expect(found.status, found.text).toBe(200);
      expect(ids(found)).toEqual([id]);
    }
    const earlier = await queryGifts(sim, modifiedFilter('Last Modified Date', 'Before', '2025-01-01'), { take: 1000 });
    expect(earlier.json.total).toBe(399);
  });

  it('gives contact and gift mutations one strictly increasing clock', async () => {
    await start();
    const [g1, g2] = sim.expectedGiftIds();
    sim.editGift(g1!, { segment: null });
    sim.edit(sim.expectedIds()[0]!, { informalName: 'Al' });
    sim.editGift(g2!, { giftType: 'Stock' });
    const stamps = [sim.fullGift(g1!)!.modifiedDateTimeUtc, sim.fullGift(g2!)!.modifiedDateTimeUtc];
    expect(stamps).toEqual(['2025-06-01T12:00:00.0000000Z', '2025-06-01T12:00:00.0020000Z']);
    expect(sim.fullContact(sim.expectedIds()[0]!)!.modifiedDateTimeUtc).toBe('2025-06-01T12:00:00.001');
  });

  it('insertGift adds a gift above the previous max id, created now and dated today, found by keyset pages', async () => {
    await start();
    const previousMax = sim.expectedGiftIds().at(-1)!;
    const first = sim.insertGift();
    const second = sim.insertGift({ amount: 42, giftType: 'Stock', segment: 'Giving Tuesday' });
    expect(first).toBeGreaterThan(previousMax);
    expect(second).toBeGreaterThan(first);
    expect(sim.expectedGiftIds().slice(-2)).toEqual([first, second]);

    const created = sim.fullGift(first)!;
    expect(created).toMatchObject({ giftDate: '2025-06-01T00:00:00', createDateTimeUtc: '2025-06-01T12:00:00.0000000Z' });
    expect(created.modifiedDateTimeUtc).toBe(created.createDateTimeUtc);
    expect(sim.expectedIds({ includeArchived: true })).toContain(created.contactId);
    expect(sim.fullGift(second)).toMatchObject({ amount: 42, giftType: 'Stock', segment: 'Giving Tuesday' });

    const page = await queryGifts(sim, giftKeysetBody('Gift Id', previousMax), { take: 1000, full: true });
    expect(page.json).toEqual({ list: [created, sim.fullGift(second)], total: 2 });
    expect((await queryGifts(sim, {})).json.total).toBe(402);
  });

  it('deleteGift removes the gift from every query for good', async () => {
    await start();
    const all = sim.expectedGiftIds();
    const id = all[200]!;
    sim.editGift(id, { batch: 'about to go' });
    sim.deleteGift(id);

    expect(sim.expectedGiftIds()).toEqual(all.filter((giftId) => giftId !== id));
    expect(sim.fullGift(id)).toBeUndefined();
    expect(sim.abbreviatedGift(id)).toBeUndefined();
    expect((await queryGifts(sim, {})).json.total).toBe(399);
    expect((await queryGifts(sim, { groups: [{ conditions: [condition('Gift Id', 'Is', id)] }] })).json).toEqual({ list: [], total: 0 });
    const window = await queryGifts(sim, giftKeysetBody('Gift Id', all[195]!, all[205]!), { take: 100, full: true });
    expect(ids(window)).toEqual([...all.slice(196, 200), ...all.slice(201, 206)]);
    expect(window.json.total).toBe(9);
    const recent = await queryGifts(sim, modifiedFilter('Last Modified Date', 'OnOrAfter', 'Today'));
    expect(recent.json).toEqual({ list: [], total: 0 });
    const sorted = await queryGifts(sim, { sortBy: 'Amount', includeArchived: true }, { take: 1000 });
    expect(ids(sorted)).not.toContain(id);
    expect(sorted.json.total).toBe(399);

    expect(() => sim.deleteGift(id)).toThrow(/no gift with id/);
    expect(() => sim.editGift(id, { amount: 1 })).toThrow(/no gift with id/);
  });

  it('refuses unknown ids and malformed changes without changing anything', async () => {
    await start();
    const id = sim.expectedGiftIds()[0]!;
    const before = sim.fullGift(id);
    expect(() => sim.editGift(1, { amount: 1 })).toThrow(/no gift with id 1/);
    expect(() => sim.editGift(id, { giftDate: '12/8/2023' })).toThrow(/giftDate must look like/);
    expect(() => sim.editGift(id, { amount: -5 })).toThrow(/amount/);
    expect(() => sim.insertGift({ amount: Number.NaN })).toThrow(/amount/);
    expect(sim.fullGift(id)).toEqual(before);
    expect(sim.expectedGiftIds()).toHaveLength(400);
    await sim.close();

    // Gifts belong to generated contacts: an organization started without any cannot take one.
    sim = await startVirtuousSimulator({ contacts: 0 });
    sim.insert(3);
    expect(() => sim.insertGift()).toThrow(/no generated contacts/);
    expect((await queryGifts(sim, {}, { full: true })).json).toEqual({ list: [], total: 0 });
  });

  it('empties the replay cache on every gift mutation', async () => {
    await start({ replayCache: true });
    const firstPage = { groups: [], sortBy: 'Id' };
    const first = await queryGifts(sim, firstPage, { take: 50, full: true });
    expect((await queryGifts(sim, firstPage, { take: 50, full: true })).text).toBe(first.text);
    const [a, b] = ids(first);
    sim.editGift(a!, { batch: 'Replayed?' });
    expect((await queryGifts(sim, firstPage, { take: 50, full: true })).json.list[0].batch).toBe('Replayed?');
    sim.deleteGift(b!);
    expect(ids(await queryGifts(sim, firstPage, { take: 50, full: true }))).not.toContain(b);
    const inserted = sim.insertGift();
    expect((await queryGifts(sim, firstPage, { take: 1000 })).json.total).toBe(400);
    expect(ids(await queryGifts(sim, firstPage, { take: 1000 })).at(-1)).toBe(inserted);
  });
});
