import { afterEach, describe, expect, it } from 'vitest';
import { parseIsoMicros } from '../../src/time/iso-instant.js';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/index.js';
import { DATE_FILTER_PRECISIONS, type DateFilterPrecision } from '../../simulators/virtuous/date-filter-value.js';
import type { SourcePage } from '../../src/sources/export-source.js';
import type { TimestampPosition } from '../../src/sources/timestamp-keyset.js';
import { VirtuousClient } from '../../src/sources/virtuous/virtuous-client.js';
import { DEFAULT_VIRTUOUS_SETTINGS, VirtuousSource } from '../../src/sources/virtuous/virtuous-source.js';

/**
 * Exports of changes read by the Virtuous source itself (no queue), against the simulator in each way
 * an organization's date parameter may treat a time of day: the date filter narrows what is read, the
 * record's own modifiedDateTimeUtc decides exactly what is kept.
 */
describe('Virtuous exports of changes in every date-filter mode', () => {
  let sim: VirtuousSimulator | undefined;
  afterEach(() => sim?.close());

  const at = (iso: string) => Date.parse(iso);

  /** 3,000 contacts; edits on three days (two of them on the day of the start, either side of it), one archive. */
  async function organization(precision: DateFilterPrecision) {
    let now = at('2026-11-20T10:00:00Z');
    sim = await startVirtuousSimulator({ contacts: 3000, seed: 5, dateFilterPrecision: precision, now: () => now });
    const live = sim.expectedIds();
    const edit = (ids: number[], when: string) => {
      now = at(when);
      for (const id of ids) sim!.edit(id, { name: `Edited ${id} at ${when}` });
    };
    edit(live.slice(0, 50), '2026-11-20T10:00:00Z');
    edit(live.slice(100, 140), '2026-11-29T08:00:00Z');
    edit(live.slice(2000, 2030), '2026-11-29T15:00:00Z');
    now = at('2026-11-29T16:00:00Z');
    sim.archive(live[2500]!);
    return sim;
  }

  function sourceFor(simulator: VirtuousSimulator, since: TimestampPosition | null, rawRows = false) {
    const client = new VirtuousClient({ baseUrl: simulator.url, token: simulator.token });
    return new VirtuousSource(client, { ...DEFAULT_VIRTUOUS_SETTINGS, pageSize: 7, changes: { since, prefilter: null } }, { rawRows });
  }

  async function readChanges(simulator: VirtuousSimulator, since: TimestampPosition | null, rawRows = false) {
    const source = sourceFor(simulator, since, rawRows);
    const plan = await source.plan({ targetRowsPerRange: 10, changesSince: since });
    const pages: SourcePage[] = [];
    for (const range of plan.ranges) for await (const page of source.pages(range, null)) pages.push(page);
    return { plan, pages, ids: pages.flatMap((page) => page.rows.map((row) => row.id as number)) };
  }

  const modifiedAtOrAfter = (simulator: VirtuousSimulator, iso: string) =>
    simulator
      .expectedIds({ includeArchived: true })
      .filter((id) => parseIsoMicros(simulator.fullContact(id)!.modifiedDateTimeUtc)! >= parseIsoMicros(iso)!);

  for (const precision of DATE_FILTER_PRECISIONS) {
    it(`keeps exactly the contacts modified from the start on, archived included (${precision})`, async () => {
      const simulator = await organization(precision);
      const since = { at: '2026-11-29T12:00:00.000000+00:00', idsAtLast: [] };
      const expected = modifiedAtOrAfter(simulator, since.at);
      expect(expected).toHaveLength(31);

      simulator.resetStats();
      const { plan, pages, ids } = await readChanges(simulator, since, true);
      expect(ids).toEqual(expected);
      expect(plan.ranges.length).toBeGreaterThan(1);
      // Only a calendar date goes to the API, a day early: the 40 contacts edited that morning and the archive
      // pass the pre-filter and are cut here; the 50 edited on the 20th and the 2,900 others are never read.
      expect(simulator.stats.rowsServed).toBeLessThan(200);
      expect(simulator.stats.byStatus[400] ?? 0).toBe(0);
      // Each page gives each row's modification (for the next watermark) and its own bytes.
      for (const page of pages) {
        expect(page.changes).toEqual(
          page.rows.map((row) => ({ id: String(row.id), stamp: row.modifiedDateTimeUtc, micros: parseIsoMicros(row.modifiedDateTimeUtc as string) })),
        );
        expect(page.rawRows!.map((raw) => JSON.parse(new TextDecoder().decode(raw)))).toEqual(page.rows);
      }
    });
  }

  it('leaves out the ids a position lists at its instant, and reads everything without a start', async () => {
    const simulator = await organization('day');
    const group = simulator.expectedIds().slice(2000, 2030);
    const stamp = simulator.fullContact(group[3]!)!.modifiedDateTimeUtc;
    const since = { at: new Date(`${stamp}Z`).toISOString().replace('Z', '000+00:00'), idsAtLast: [String(group[3])] };
    const { ids } = await readChanges(simulator, since);
    expect(ids).toEqual(modifiedAtOrAfter(simulator, since.at).filter((id) => id !== group[3]));
    // Versions a previous run wrote are left out, unless modified since.
    const written = [group[5]!, group[6]!].map((id) => ({ id: String(id), modified: simulator.fullContact(id)!.modifiedDateTimeUtc }));
    simulator.edit(group[6]!, { name: 'edited again' });
    const withWritten = await readChanges(simulator, { ...since, written });
    expect(withWritten.ids).toEqual(modifiedAtOrAfter(simulator, since.at).filter((id) => id !== group[3] && id !== group[5]));
    expect((await readChanges(simulator, null)).ids).toEqual(simulator.expectedIds({ includeArchived: true }));
  });
});
