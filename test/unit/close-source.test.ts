import { afterEach, describe, expect, it } from 'vitest';
import type { ExportRange, TimeWindow } from '../../src/planning/export-range.js';
import { startCloseSimulator, type CloseSimulator, type CloseSimulatorOptions } from '../../simulators/close/index.js';
import { CloseClient } from '../../src/sources/close/close-client.js';
import { CLOSE_CONTACT_FIELDS } from '../../src/sources/close/close-fields.js';
import type { CloseQueryNode } from '../../src/sources/close/close-query.js';
import { CloseSource, DEFAULT_CLOSE_SETTINGS, type CloseSourceSettings } from '../../src/sources/close/close-source.js';
import type { SourceCursor, SourcePage } from '../../src/sources/export-source.js';

/**
 * The Close source against the in-process simulator: planning, and reading windows through expiring
 * cursors and capped walks, with a clock the test controls.
 */
let sim: CloseSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const SHARED_AT = '2016-09-10T09:15:30.123456+00:00';

async function simulator(options: CloseSimulatorOptions): Promise<CloseSimulator> {
  sim = await startCloseSimulator(options);
  return sim;
}

function sourceFor(s: CloseSimulator, settings: Partial<CloseSourceSettings> = {}, options: { rawRows?: boolean } = {}): CloseSource {
  const client = new CloseClient({ baseUrl: s.url, apiKey: s.apiKey, backoff: { baseDelayMs: 1, maxDelayMs: 5 } });
  return new CloseSource(client, { ...DEFAULT_CLOSE_SETTINGS, discoverCustomFields: false, ...settings }, options);
}

interface ReadOptions {
  cursor?: SourceCursor | null;
  /** Called after each page, e.g. to let the clock run as a slow part upload would. */
  afterPage?: (page: SourcePage) => void;
  /** Stop after this many pages (a worker that dies). */
  pages?: number;
}

async function read(source: CloseSource, range: ExportRange, options: ReadOptions = {}) {
  const ids: string[] = [];
  const pages: SourcePage[] = [];
  for await (const page of source.pages(range, options.cursor ?? null)) {
    pages.push(page);
    for (const row of page.rows) ids.push(row.id as string);
    options.afterPage?.(page);
    if (options.pages !== undefined && pages.length >= options.pages) break;
  }
  return { ids, pages };
}

const WHOLE: TimeWindow = { kind: 'time', index: 0, from: null, before: null, estimatedRows: 0 };

function expectEachOnce(ids: string[], expected: string[]) {
  expect(ids).toHaveLength(expected.length);
  expect(new Set(ids).size).toBe(ids.length);
  expect([...ids].sort()).toEqual([...expected].sort());
}

describe('CloseSource.plan', () => {
  it('splits into contiguous windows whose counts add up, with the shared timestamp in one window', async () => {
    const s = await simulator({ contacts: 12_000, seed: 5, sharedTimestamp: { count: 1500, at: SHARED_AT } });
    const plan = await sourceFor(s).plan({ targetRowsPerRange: 1000 });
    expect(plan.totalRows).toBe(12_000);
    const windows = plan.ranges as TimeWindow[];
    expect(windows[0]!.from).toBeNull();
    expect(windows.at(-1)!.before).toBeNull();
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.from).toBe(windows[i - 1]!.before);
    expect(windows.reduce((sum, w) => sum + w.estimatedRows, 0)).toBe(12_000);
    expect(windows.filter((w) => w.estimatedRows >= 1500)).toHaveLength(1);
    expect(windows.length).toBeGreaterThanOrEqual(9);
  });

  it('plans one open window when nothing matches', async () => {
    const s = await simulator({ contacts: 50 });
    const none: CloseQueryNode = { type: 'id', value: 'cont_none' };
    expect(await sourceFor(s, { query: none }).plan({})).toEqual({ totalRows: 0, ranges: [{ ...WHOLE, estimatedRows: 0 }] });
  });
});

describe('CloseSource.pages', () => {
  it('reads every window of a plan exactly once across capped walks and a shared timestamp larger than the walk cap', async () => {
    // The walk cap (500) is smaller than the 800 contacts sharing one date_created: only excluding ids gets past them.
    const s = await simulator({ contacts: 6000, seed: 11, sharedTimestamp: { count: 800, at: SHARED_AT }, maxObjectsPerWalk: 500 });
    const source = sourceFor(s, { fields: ['id', 'date_created'] });
    const plan = await source.plan({ targetRowsPerRange: 1500 });
    const ids: string[] = [];
    for (const range of plan.ranges) ids.push(...(await read(source, range)).ids);
    expectEachOnce(ids, s.expectedIds());
  });

  it("gives each row's bytes as Close sent them, held and released with its row across walks", async () => {
    const s = await simulator({ contacts: 3000, seed: 4, sharedTimestamp: { count: 400, at: SHARED_AT }, maxObjectsPerWalk: 300 });
    const { ids, pages } = await read(sourceFor(s, {}, { rawRows: true }), WHOLE);
    expectEachOnce(ids, s.expectedIds());
    for (const page of pages) {
      expect(page.rawRows).toHaveLength(page.rows.length);
      expect(page.rawRows!.map((raw) => JSON.parse(new TextDecoder().decode(raw)))).toEqual(page.rows);
    }
    expect((await read(sourceFor(s), WHOLE)).pages.every((page) => page.rawRows === undefined)).toBe(true);
  });

  it('restarts walks whose cursor expired while the consumer was busy, and dedupes at the boundary', async () => {
    let clock = 1_000_000;
    const s = await simulator({ contacts: 5000, seed: 3, sharedTimestamp: { count: 700, at: SHARED_AT }, cursorTtlMs: 50, now: () => clock });
    const source = sourceFor(s, { fields: ['id', 'date_created', 'name'] });
    // Every released page is followed by a "slow upload": the walk's cursor is dead by the next request.
    const { ids, pages } = await read(source, WHOLE, { afterPage: () => (clock += 100) });
    expectEachOnce(ids, s.expectedIds());
    expect(s.stats.cursorsExpired).toBeGreaterThan(10);
    // Pages end on whole timestamp groups: the shared one is released in one piece, and no cursor lists its ids.
    const shared = pages.filter((page) => page.rows.some((row) => row.date_created === SHARED_AT));
    expect(shared).toHaveLength(1);
    expect(shared[0]!.rows.filter((row) => row.date_created === SHARED_AT)).toHaveLength(700);
    for (const page of pages) expect(JSON.stringify(page.cursor).length).toBeLessThan(500);
  });

  it('progresses inside a block of equal timestamps larger than a page even when every cursor expires at once', async () => {
    let clock = 0;
    // The clock runs 60 ms per request: every cursor is expired when it is used, so each walk is one page.
    const s = await simulator({ contacts: 2000, seed: 8, sharedTimestamp: { count: 500, at: SHARED_AT }, cursorTtlMs: 50, now: () => (clock += 30) });
    const source = sourceFor(s, { fields: ['id', 'date_created'], pageSize: 100 });
    const { ids } = await read(source, WHOLE);
    expectEachOnce(ids, s.expectedIds());
  });

  it('resumes from any checkpoint cursor without gaps or duplicates', async () => {
    const s = await simulator({ contacts: 4000, seed: 21, sharedTimestamp: { count: 600, at: SHARED_AT }, maxObjectsPerWalk: 700 });
    const source = sourceFor(s, { fields: ['id', 'date_created'], pageSize: 150 });
    const full = await read(source, WHOLE);
    expectEachOnce(full.ids, s.expectedIds());
    for (const stopAfter of [1, 3, 7, Math.floor(full.pages.length / 2), full.pages.length - 1]) {
      const first = await read(source, WHOLE, { pages: stopAfter });
      const rest = await read(source, WHOLE, { cursor: first.pages.at(-1)!.cursor });
      expectEachOnce([...first.ids, ...rest.ids], s.expectedIds());
    }
  });

  it('reads only the window, and applies the user query inside it', async () => {
    const s = await simulator({ contacts: 3000, seed: 4 });
    const query: CloseQueryNode = {
      type: 'field_condition',
      field: { type: 'regular_field', object_type: 'contact', field_name: 'emails_count' },
      condition: { type: 'number_range', gte: 2 },
    };
    const source = sourceFor(s, { query, fields: [...CLOSE_CONTACT_FIELDS] });
    const plan = await source.plan({ targetRowsPerRange: 300 });
    expect(plan.ranges.length).toBeGreaterThan(1);
    const expected = s.expectedIds().filter((id) => (s.contact(id)!.emails as unknown[]).length >= 2);
    expect(plan.totalRows).toBe(expected.length);
    const middle = plan.ranges[1] as TimeWindow;
    const inMiddle = await read(source, middle);
    const from = Date.parse(middle.from!);
    const before = Date.parse(middle.before!);
    expect(inMiddle.ids.length).toBe(middle.estimatedRows);
    for (const id of inMiddle.ids) {
      const created = Date.parse(s.contact(id)!.date_created as string);
      expect(created >= from - 1 && created < before + 1).toBe(true);
    }
    const all: string[] = [];
    for (const range of plan.ranges) all.push(...(await read(source, range)).ids);
    expectEachOnce(all, expected);
  });

  it('exports every custom field of the catalogue, typed, and requests them by key', async () => {
    const s = await simulator({ contacts: 500, customFields: 3 });
    const source = sourceFor(s, { discoverCustomFields: true, customFieldKeys: [] });
    const resolved = await source.resolveCustomFields();
    const keys = s.customFieldIds().map((id) => `custom.${id}`);
    expect(resolved.customFieldKeys).toEqual(keys);
    expect(resolved.customFields).toEqual(s.customFields());
    expect(source.schema.fields.filter((field) => field.sourceKey).map((field) => [field.sourceKey, field.type.kind])).toEqual([
      [keys[0], 'utf8'],
      [keys[1], 'float64'],
      [keys[2], 'utf8'],
    ]);
    expect(source.requestedFields).toEqual([...CLOSE_CONTACT_FIELDS, ...keys]);
    const { pages } = await read(source, WHOLE, { pages: 1 });
    const first = pages[0]!.rows[0]!;
    for (const key of keys) expect(first).toHaveProperty([key]);
  });

  for (const customFieldShape of ['flat', 'nested-by-id', 'nested-by-name'] as const) {
    it(`reads 150 custom fields (${customFieldShape}) through an 80-selector cap and a 60-contact _limit, as rows and as bytes`, async () => {
      // Every answer also carries lead_id unasked, as Close's guide says it may: merging keeps the walk's.
      const s = await simulator({
        contacts: 400,
        seed: 6,
        customFields: 150,
        maxFieldSelectors: 80,
        maxLimit: 60,
        customFieldShape,
        maxObjectsPerWalk: 300,
        unaskedLeadId: true,
      });
      const fields = s.customFields();
      const normal = (field: { acceptsMultipleValues: boolean }, value: unknown) =>
        value === undefined || value === null ? null : field.acceptsMultipleValues && !Array.isArray(value) ? [value] : value;
      for (const rawRows of [false, true]) {
        const source = sourceFor(s, { discoverCustomFields: true }, { rawRows });
        await source.resolveCustomFields();
        await source.validate();
        expect(source.pageSize).toBe(50);
        expect(source.fieldRequests.extra.length).toBeGreaterThan(1);
        const { ids, pages } = await read(source, WHOLE);
        expectEachOnce(ids, s.expectedIds());
        const wrong: string[] = [];
        for (const page of pages) {
          page.rows.forEach((row, index) => {
            const truth = s.contact(row.id as string)!;
            const answer = rawRows ? JSON.parse(new TextDecoder().decode(page.rawRows![index])) : row;
            const nested = answer.custom as Record<string, unknown> | undefined;
            for (const field of fields) {
              const key = `custom.${field.id}`;
              const got =
                rawRows && customFieldShape !== 'flat' ? nested?.[customFieldShape === 'nested-by-id' ? field.id : field.name] : answer[key];
              if (JSON.stringify(normal(field, got)) !== JSON.stringify(normal(field, truth[key])))
                wrong.push(`${row.id} ${key}: ${JSON.stringify(got)}`);
            }
          });
        }
        expect(wrong).toEqual([]);
      }
    });
  }

  for (const cursorErrorShape of ['field-errors', 'message'] as const) {
    for (const walkCapShape of ['cursor-null', 'refuse'] as const) {
      it(`reads every contact once through expiring cursors (${cursorErrorShape}) and capped walks (${walkCapShape})`, async () => {
        let clock = 1_000_000;
        const s = await simulator({
          contacts: 3000,
          seed: 12,
          sharedTimestamp: { count: 400, at: SHARED_AT },
          maxObjectsPerWalk: 300,
          cursorTtlMs: 50,
          cursorErrorShape,
          walkCapShape,
          now: () => clock,
        });
        const source = sourceFor(s, { fields: ['id', 'date_created'], pageSize: 100 });
        let pagesRead = 0;
        const { ids } = await read(source, WHOLE, { afterPage: () => (clock += ++pagesRead % 3 === 0 ? 100 : 0) });
        expectEachOnce(ids, s.expectedIds());
        expect(s.stats.cursorsExpired).toBeGreaterThan(0);
        if (walkCapShape === 'refuse') expect(s.stats.walksRefusedAtCap).toBeGreaterThan(0);
      });
    }
  }

  it('steps the page size down when Close refuses _limit, and reads exactly', async () => {
    const s = await simulator({ contacts: 700, seed: 2, maxLimit: 30 });
    const source = sourceFor(s, { fields: ['id', 'date_created'], pageSize: 200 });
    const { ids } = await read(source, WHOLE);
    expectEachOnce(ids, s.expectedIds());
    expect(source.pageSize).toBe(25);
    expect(s.stats.byStatus[400]).toBe(3);
  });

  it('refuses an id range', async () => {
    const s = await simulator({ contacts: 10 });
    const idRange: ExportRange = { kind: 'id', index: 0, afterId: null, upToId: null, estimatedRows: 0 };
    await expect(read(sourceFor(s), idRange)).rejects.toThrow(/Close ranges are date_created windows/);
  });
});
