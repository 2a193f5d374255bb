import { describe, expect, it } from 'vitest';
import { SourceRequestError } from '../../src/errors/index.js';
import type { ExportRange } from '../../src/planning/export-range.js';
import { parseIsoMicros } from '../../src/planning/time-window-splitter.js';
import type { SourceCursor, SourceRow } from '../../src/sources/export-source.js';
import type { VirtuousClient } from '../../src/sources/virtuous/virtuous-client.js';
import type { VirtuousQueryBody } from '../../src/sources/virtuous/virtuous-query.js';
import { DEFAULT_VIRTUOUS_SETTINGS, VirtuousSource } from '../../src/sources/virtuous/virtuous-source.js';

const ops = (...names: string[]) => names.map((operator) => ({ operator, multipleValuesAllowed: ['NotIn', 'In'].includes(operator), valueRequired: true }));

interface Contact {
  id: number;
  modifiedDateTimeUtc: string;
}

/**
 * A Virtuous stand-in with the semantics the modification keyset relies on: OnOrAfter / Before on
 * `Last Modified Date` compared as instants, `Contact Id NotIn`, a sort by modification date that
 * returns equal timestamps in a different order every time, `take`, and `total`.
 */
class FakeVirtuous {
  requests = 0;
  sortsTried: string[] = [];
  constructor(public contacts: Contact[]) {}

  queryOptions = async () => ({
    options: [
      { parameter: 'Contact Id', type: 'Int', operatorOptions: ops('GreaterThan', 'LessThanOrEqual', 'NotIn') },
      { parameter: 'Last Modified Date', type: 'Date', operatorOptions: ops('OnOrAfter', 'Before', 'After') },
    ],
  });

  query = async <T>(body: VirtuousQueryBody, page: { take: number }): Promise<{ list: T[]; total: number }> => {
    this.requests += 1;
    if (body.sortBy === 'LastModifiedDate') {
      this.sortsTried.push(body.sortBy);
      throw new SourceRequestError({ source: 'Virtuous', status: 400, endpoint: 'POST /api/Contact/Query', apiMessage: "Unknown sortBy 'LastModifiedDate'", advice: '' });
    }
    const conditions = body.groups[0]?.conditions ?? [];
    const micros = (text: string) => parseIsoMicros(text)!;
    const matches = this.contacts.filter((contact) => {
      const at = micros(contact.modifiedDateTimeUtc);
      return conditions.every((condition) => {
        if (condition.operator === 'OnOrAfter') return at >= micros(condition.value!);
        if (condition.operator === 'Before') return at < micros(condition.value!);
        if (condition.operator === 'NotIn') return !condition.values!.includes(String(contact.id));
        throw new Error(`unexpected condition ${JSON.stringify(condition)}`);
      });
    });
    const shuffled = matches.map((contact) => ({ contact, tie: Math.random() }));
    shuffled.sort((a, b) => micros(a.contact.modifiedDateTimeUtc) - micros(b.contact.modifiedDateTimeUtc) || a.tie - b.tie);
    if (body.descending) shuffled.reverse();
    return { list: shuffled.slice(0, page.take).map((entry) => ({ ...entry.contact }) as T), total: matches.length };
  };
}

/** 120 contacts: 30 modified in one tick, 12 in another (both more than a page), the rest spread out, zone-less with 0-7 digits. */
function contacts(): Contact[] {
  const list: Contact[] = [];
  for (let k = 0; k < 120; k++) {
    const id = 1000 + k * 3;
    let stamp: string;
    if (k % 4 === 0) stamp = '2024-03-01T10:00:00.3533333';
    else if (k % 10 === 1) stamp = '2024-03-02T08:00:00';
    else stamp = `2024-0${1 + (k % 9)}-1${k % 10}T0${k % 10}:${String(k % 60).padStart(2, '0')}:00.${String(k).padStart(k % 8, '7').slice(0, k % 8)}`.replace(/\.$/, '');
    list.push({ id, modifiedDateTimeUtc: stamp });
  }
  return list;
}

function sourceOver(fake: FakeVirtuous, pageSize = 7): VirtuousSource {
  return new VirtuousSource(fake as unknown as VirtuousClient, { ...DEFAULT_VIRTUOUS_SETTINGS, walk: 'modified', fullContact: true, includeArchived: true, pageSize });
}

async function readAll(source: VirtuousSource, range: ExportRange, cursor: SourceCursor | null = null): Promise<{ ids: number[]; cursors: SourceCursor[] }> {
  const ids: number[] = [];
  const cursors: SourceCursor[] = [];
  for await (const page of source.pages(range, cursor)) {
    ids.push(...page.rows.map((row: SourceRow) => row.id as number));
    cursors.push(page.cursor);
  }
  return { ids, cursors };
}

describe('Virtuous modification keyset', () => {
  it('reads every window of a plan exactly once, with groups of equal timestamps larger than a page', async () => {
    const fake = new FakeVirtuous(contacts());
    const source = sourceOver(fake);
    const plan = await source.plan({ targetRowsPerRange: 25, changesSince: null });
    // "LastModifiedDate" was refused (400), the next candidate used.
    expect(fake.sortsTried).toEqual(['LastModifiedDate']);
    expect(plan.totalRows).toBe(120);
    expect(plan.ranges.length).toBeGreaterThan(2);
    expect(plan.ranges.every((range) => range.kind === 'time' && range.field === 'modifiedDateTimeUtc')).toBe(true);
    const ids: number[] = [];
    for (const range of plan.ranges) ids.push(...(await readAll(source, range)).ids);
    expect([...ids].sort((a, b) => a - b)).toEqual(fake.contacts.map((contact) => contact.id));
    // The 30 contacts of one tick share one window.
    const windowsOfGroup = plan.ranges.filter((range) => range.kind === 'time' && (range.from === null || range.from <= '2024-03-01T10:00:00.353333') && (range.before === null || range.before > '2024-03-01T10:00:00.353333'));
    expect(windowsOfGroup).toHaveLength(1);
  });

  it('resumes from any checkpoint without gaps or duplicates, and starts after the watermark ids', async () => {
    const fake = new FakeVirtuous(contacts());
    const source = sourceOver(fake);
    const whole: ExportRange = { kind: 'time', index: 0, field: 'modifiedDateTimeUtc', from: null, before: null, estimatedRows: 0 };
    const pages: { ids: number[]; cursor: SourceCursor }[] = [];
    for await (const page of source.pages(whole, null)) pages.push({ ids: page.rows.map((row) => row.id as number), cursor: page.cursor });
    const all = fake.contacts.map((contact) => contact.id);
    expect(pages.flatMap((page) => page.ids).sort((a, b) => a - b)).toEqual(all);
    expect(pages.length).toBeGreaterThan(5);
    for (let k = 0; k < pages.length; k++) {
      const written = pages.slice(0, k + 1).flatMap((page) => page.ids);
      const rest = await readAll(source, whole, pages[k]!.cursor);
      expect(rest.ids.filter((id) => written.includes(id))).toEqual([]);
      expect([...written, ...rest.ids].sort((a, b) => a - b)).toEqual(all);
    }
    // A watermark inside the big group: the window starts at its instant and skips the ids listed there.
    const group = fake.contacts.filter((contact) => contact.modifiedDateTimeUtc === '2024-03-02T08:00:00').map((contact) => String(contact.id));
    const after = await readAll(source, { kind: 'time', index: 0, field: 'modifiedDateTimeUtc', from: '2024-03-02T08:00:00.000000+00:00', before: null, estimatedRows: 0, afterIds: group.slice(0, 5) });
    const expected = fake.contacts
      .filter((contact) => parseIsoMicros(contact.modifiedDateTimeUtc)! >= parseIsoMicros('2024-03-02T08:00:00Z')! && !group.slice(0, 5).includes(String(contact.id)))
      .map((contact) => contact.id)
      .sort((a, b) => a - b);
    expect([...after.ids].sort((a, b) => a - b)).toEqual(expected);
  });

  it('leaves a contact modified while the export runs for the next run: no duplicate within a run', async () => {
    const fake = new FakeVirtuous(contacts());
    const source = sourceOver(fake);
    const plan = await source.plan({ changesSince: null });
    expect(plan.ranges).toHaveLength(1);
    const range = plan.ranges[0]!;
    const ids: number[] = [];
    let modified = false;
    for await (const page of source.pages(range, null)) {
      ids.push(...page.rows.map((row) => row.id as number));
      if (!modified) {
        // One contact already read and one not yet read are modified "now": both move past the upper bound.
        modified = true;
        const read = fake.contacts.find((contact) => contact.id === ids[0])!;
        const unread = fake.contacts.find((contact) => !ids.includes(contact.id))!;
        read.modifiedDateTimeUtc = unread.modifiedDateTimeUtc = '2026-01-01T00:00:00.1';
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(119);
    expect(parseIsoMicros(plan.until!)).toBeLessThan(parseIsoMicros('2026-01-01T00:00:00Z')!);
  });
});
