import { afterEach, describe, expect, it } from 'vitest';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/index.js';
import { ContactGenerator } from '../../simulators/virtuous/contact-generator.js';
import type { VirtuousFullContact } from '../../simulators/virtuous/virtuous-contact.js';

const DOTNET_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?$/;

describe('Virtuous simulator generated data', () => {
  const started: VirtuousSimulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((sim) => sim.close()));
  });
  async function start(seed?: number): Promise<VirtuousSimulator> {
    const sim = await startVirtuousSimulator({ contacts: 1500, ...(seed === undefined ? {} : { seed }) });
    started.push(sim);
    return sim;
  }
  const fullRecords = (sim: VirtuousSimulator): VirtuousFullContact[] => sim.expectedIds({ includeArchived: true }).map((id) => sim.fullContact(id)!);

  it('is deterministic: same seed, same records; another seed, other records', async () => {
    const [a, b, c] = [await start(), await start(1), await start(2)];
    expect(fullRecords(a)).toEqual(fullRecords(b));
    expect(a.expectedIds()).toEqual(b.expectedIds());
    expect(a.expectedIds({ includeArchived: true })).not.toEqual(c.expectedIds({ includeArchived: true }));
  });

  it('writes timestamps without a zone, with 0 to 7 fractional digits, all in the past (2015-2024)', async () => {
    const records = fullRecords(await start());
    const digitCounts = new Set<number>();
    for (const record of records) {
      for (const stamp of [record.createDateTimeUtc, record.modifiedDateTimeUtc]) {
        expect(stamp).toMatch(DOTNET_TIMESTAMP);
        expect(stamp).not.toMatch(/\.\d*0$/);
        digitCounts.add(stamp.split('.')[1]?.length ?? 0);
        const ms = Date.parse(`${stamp}Z`);
        expect(ms).toBeGreaterThanOrEqual(Date.parse('2015-01-01T00:00:00Z'));
        expect(ms).toBeLessThan(Date.parse('2025-01-01T00:00:00Z'));
      }
      // Whole seconds are fixed-width and trailing zeros are trimmed, so string order is time order.
      expect(record.modifiedDateTimeUtc >= record.createDateTimeUtc).toBe(true);
      expect(record.lastGiftDate === 'Unavailable' || DOTNET_TIMESTAMP.test(record.lastGiftDate)).toBe(true);
    }
    expect([...digitCounts].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('produces realistic variety in both record shapes', async () => {
    const sim = await start();
    const records = fullRecords(sim);
    const abbreviated = records.map((record) => sim.abbreviatedContact(record.id)!);
    const some = <T>(items: T[], test: (item: T) => boolean): boolean => items.some(test);

    expect(new Set(records.map((record) => record.contactType))).toEqual(new Set(['Household', 'Organization', 'Foundation']));
    expect(some(records, (record) => /^The .+ Family$/.test(record.name))).toBe(true);
    expect(some(records, (record) => /[^\x00-\x7f]/.test(record.name))).toBe(true);
    expect(some(records, (record) => record.name.includes('"'))).toBe(true);
    expect(some(records, (record) => record.name.includes("'"))).toBe(true);
    expect(some(records, (record) => record.tags.includes('Major Donor'))).toBe(true);
    expect(some(records, (record) => record.tags.length === 0)).toBe(true);
    expect(some(records, (record) => record.tags.length === 3)).toBe(true);
    expect(some(records, (record) => record.lastGiftDate === 'Unavailable')).toBe(true);
    expect(some(records, (record) => /^\$\d{1,3}(,\d{3})+$/.test(record.lifeToDateGiving))).toBe(true);
    expect(some(records, (record) => record.address === null)).toBe(true);
    expect(some(records, (record) => record.contactIndividuals.some((person) => person.contactMethods.length > 0))).toBe(true);
    expect(some(records, (record) => record.customFields.some((field) => field.name === 'Preferred Channel' && field.value === 'Email'))).toBe(true);
    expect(records.every((record) => !('isArchived' in record))).toBe(true);

    expect(some(abbreviated, (item) => item.email === '')).toBe(true);
    expect(some(abbreviated, (item) => item.phone === '')).toBe(true);
    expect(some(abbreviated, (item) => item.address === '')).toBe(true);
    expect(some(abbreviated, (item) => /^[^,]+, [A-Z]{2}$/.test(item.address))).toBe(true);
    for (const item of abbreviated) {
      expect(item.contactViewUrl).toBe(`/api/Contact/${item.id}`);
      expect(Object.keys(item)).toEqual(['id', 'name', 'contactType', 'contactName', 'address', 'email', 'phone', 'contactViewUrl']);
    }
  });

  it('archives about archivedFraction of the contacts', async () => {
    const sim = await start();
    const archived = 1500 - sim.expectedIds().length;
    expect(archived).toBeGreaterThan(100);
    expect(archived).toBeLessThan(200);
  });
});

describe('ContactGenerator ids', () => {
  it('are strictly increasing with gaps and invertible', () => {
    const generator = new ContactGenerator({ seed: 9, archivedFraction: 0.1 });
    const count = 5000;
    const ids = Array.from({ length: count }, (_, index) => generator.idAt(index));
    const gaps = ids.slice(1).map((id, index) => id - ids[index]!);
    expect(Math.min(...gaps)).toBeGreaterThan(0);
    expect(new Set(gaps).size).toBeGreaterThan(2);
    const misplaced = ids.filter(
      (id, index) =>
        generator.indexOfId(id, count) !== index ||
        generator.lowerBoundIndex(id, count) !== index ||
        generator.lowerBoundIndex(id + 1, count) !== index + 1,
    );
    expect(misplaced).toEqual([]);
    const present = new Set(ids);
    const phantom: number[] = [];
    for (let id = ids[0]! - 5; id < ids[count - 1]! + 5; id++) {
      if (!present.has(id) && generator.indexOfId(id, count) !== -1) phantom.push(id);
    }
    expect(phantom).toEqual([]);
    expect(generator.lowerBoundIndex(-5, count)).toBe(0);
    expect(generator.lowerBoundIndex(Number.MAX_SAFE_INTEGER, count)).toBe(count);
  });
});
