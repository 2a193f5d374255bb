import { afterEach, describe, expect, it } from 'vitest';
import { startCloseSimulator, type CloseSimulator } from '../../../simulators/close/index.js';
import { contactQuery, fieldCondition, onOrAfter, regular, search, sortBy } from './close-client.js';

interface Item {
  id: string;
  date_created: string;
}

/**
 * What an exporter has to do against Close: cursor walks stop after maxObjectsPerWalk objects, so it
 * walks keyset windows (`date_created` on_or_after the last value seen, sorted ascending) and drops
 * the ids it already delivered at the boundary timestamp.
 */
async function exportAll(sim: CloseSimulator, pageSize: number) {
  const delivered: string[] = [];
  let since: string | undefined;
  /** Ids already delivered whose date_created equals `since`. */
  let boundary = new Set<string>();
  let windows = 0;
  let reRead = 0;
  let windowsEndingOnShared = 0;
  for (;;) {
    windows++;
    const query = since === undefined ? contactQuery() : contactQuery(fieldCondition(regular('date_created'), onOrAfter(since)));
    let cursor: string | null = null;
    let fresh = 0;
    let served = 0;
    let last: Item | undefined;
    do {
      const response = await search(sim, {
        query,
        sort: sortBy('date_created'),
        _limit: pageSize,
        _fields: { contact: ['id', 'date_created'] },
        ...(cursor === null ? {} : { cursor }),
      });
      expect(response.status).toBe(200);
      for (const item of response.json.data as Item[]) {
        served++;
        last = item;
        if (item.date_created === since && boundary.has(item.id)) {
          reRead++;
          continue;
        }
        delivered.push(item.id);
        fresh++;
        if (item.date_created !== since) {
          since = item.date_created;
          boundary = new Set();
        }
        boundary.add(item.id);
      }
      cursor = response.json.cursor;
    } while (cursor !== null);
    if (fresh === 0 || last === undefined) break;
    if (served >= 10_000 && boundary.size > 1) windowsEndingOnShared++;
    expect(since).toBe(last.date_created);
  }
  return { delivered, windows, reRead, windowsEndingOnShared };
}

// How fast a keyset page is answered on 100,000 contacts is measured by `npm run bench -- --only timing`.
describe('Close simulator keyset export', () => {
  let sim: CloseSimulator;
  afterEach(async () => {
    await sim.close();
  });

  it('finds each of 30,000 contacts exactly once although 2,000 share one date_created across a walk boundary', async () => {
    const at = '2016-09-10T09:15:30.123456+00:00';
    sim = await startCloseSimulator({ contacts: 30_000, seed: 42, sharedTimestamp: { count: 2000, at } });
    const expected = sim.expectedIds();
    const sharing = expected.filter((id) => sim.contact(id)!['date_created'] === at);
    expect(sharing).toHaveLength(2000);
    // The shared group straddles position 10,000, where the first walk is cut off.
    const firstShared = expected.indexOf(sharing[0]!);
    expect(firstShared).toBeGreaterThan(8000);
    expect(firstShared).toBeLessThan(10_000);
    expect(new Set(expected.map((id) => sim.contact(id)!['date_created'])).size).toBeGreaterThan(27_000);

    const result = await exportAll(sim, 200);
    expect(result.delivered).toHaveLength(30_000);
    expect(new Set(result.delivered).size).toBe(30_000);
    expect(result.delivered).toEqual(expected);
    expect(result.windowsEndingOnShared).toBe(1);
    expect(result.reRead).toBeGreaterThan(100);
    expect(result.windows).toBeGreaterThanOrEqual(4);
  });
});
