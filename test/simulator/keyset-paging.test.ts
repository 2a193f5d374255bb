import { afterEach, describe, expect, it } from 'vitest';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/index.js';
import { condition, ids, keysetBody, queryContacts } from './simulator-client.js';

// How fast a keyset page is answered on 1,000,000 contacts is measured by `npm run bench -- --only timing`.
describe('Virtuous simulator keyset paging', () => {
  let sim: VirtuousSimulator;
  afterEach(async () => {
    await sim.close();
  });

  async function maxId(includeArchived: boolean): Promise<number> {
    const response = await queryContacts(sim, { sortBy: 'Id', descending: true, includeArchived }, { take: 1 });
    return ids(response)[0]!;
  }

  /** Walks [firstId - 1, lastId] in windows of `windowSize` ids, paging each window with a keyset cursor. */
  async function exportAll(includeArchived: boolean, windowSize: number, take: number): Promise<{ seen: number[]; totals: number }> {
    const seen: number[] = [];
    let totals = 0;
    const top = await maxId(includeArchived);
    for (let windowStart = 0; windowStart < top; windowStart += windowSize) {
      const windowEnd = Math.min(windowStart + windowSize, top);
      let cursor = windowStart;
      let windowTotal: number | undefined;
      let windowSeen = 0;
      for (;;) {
        const response = await queryContacts(sim, keysetBody(cursor, windowEnd, includeArchived), { take });
        expect(response.status).toBe(200);
        windowTotal ??= response.json.total;
        const page = ids(response);
        seen.push(...page);
        windowSeen += page.length;
        if (page.length < take) break;
        cursor = page[page.length - 1]!;
      }
      expect(windowSeen).toBe(windowTotal);
      totals += windowTotal!;
    }
    return { seen, totals };
  }

  it('visits every expected id exactly once over 5,000 contacts, with correct totals', async () => {
    sim = await startVirtuousSimulator({ contacts: 5000, seed: 3 });
    const expected = sim.expectedIds();
    expect(await maxId(false)).toBe(expected[expected.length - 1]);

    const { seen, totals } = await exportAll(false, 4000, 1000);
    expect(seen).toEqual(expected);
    expect(totals).toBe(expected.length);

    const archivedToo = await exportAll(true, 7000, 750);
    expect(archivedToo.seen).toEqual(sim.expectedIds({ includeArchived: true }));
    expect(archivedToo.totals).toBe(5000);
  });

  it('gives the same pages through skip/take as through the cursor, ascending and descending', async () => {
    sim = await startVirtuousSimulator({ contacts: 3000, seed: 11, archivedFraction: 0.3 });
    const expected = sim.expectedIds();
    const first = await queryContacts(sim, { sortBy: 'Id' }, { skip: 1234, take: 100 });
    expect(ids(first)).toEqual(expected.slice(1234, 1334));
    const descending = await queryContacts(sim, { sortBy: 'Id', descending: true }, { skip: 10, take: 5 });
    expect(ids(descending)).toEqual([...expected].reverse().slice(10, 15));
    const window = await queryContacts(sim, keysetBody(expected[100]!, expected[200]!), { skip: 50, take: 1000 });
    expect(window.json.total).toBe(100);
    expect(ids(window)).toEqual(expected.slice(151, 201));
  });

  it('keeps ranges exact at id boundaries and for ids that do not exist', async () => {
    sim = await startVirtuousSimulator({ contacts: 200, seed: 5, archivedFraction: 0 });
    const all = sim.expectedIds();
    for (let k = 0; k < 20; k++) {
      const low = all[k * 7]! - 1 + (k % 3);
      const high = all[k * 7 + 40]! + (k % 2);
      const expected = all.filter((id) => id >= low && id < high);
      const body = { groups: [{ conditions: [condition('Contact Id', 'GreaterThanOrEqual', low), condition('Contact Id', 'LessThan', high)] }] };
      const response = await queryContacts(sim, body, { take: 1000 });
      expect(ids(response)).toEqual(expected);
      expect(response.json.total).toBe(expected.length);
    }
    const exact = await queryContacts(sim, { groups: [{ conditions: [condition('Contact Id', 'Is', all[3]!)] }] });
    expect(ids(exact)).toEqual([all[3]]);
  });
});
