import { BulkExportError } from '../../errors/index.js';
import type { ExportRange, TimeWindow } from '../../planning/export-range.js';
import { defaultTargetRows } from '../../planning/id-range-splitter.js';
import { formatIsoMicros, parseIsoMicros, splitTimeWindows } from '../../planning/time-window-splitter.js';
import type { RecordSchema } from '../../sinks/record-schema.js';
import type { ExportSource, PlanOptions, SourceCursor, SourcePage, SourcePlan, SourceRow } from '../export-source.js';
import { isCursorRefusal, type CloseClient, type CloseSearchBody } from './close-client.js';
import { closeSchemaFor, CLOSE_CONTACT_FIELDS } from './close-fields.js';
import { GroupedRows, type CloseCursor, type KeyedRow } from './close-keyset.js';
import { sortByDateCreated, windowQuery, type CloseQueryNode } from './close-query.js';

export interface CloseSourceSettings {
  /** Contacts per request (`_limit`). Close publishes no ceiling; 100 to 200 are known to work. */
  pageSize: number;
  /** Regular contact fields requested (`_fields`), `id` and `date_created` always among them. */
  fields: string[];
  /** Custom field keys (`custom.cf_...`) requested; the schema has one JSON column per key. */
  customFieldKeys: string[];
  /** True until `start` has added every custom field it found (workers always get false). */
  discoverCustomFields: boolean;
  /** The user's query (`--query`), ANDed into every request; null = every contact. */
  query: CloseQueryNode | null;
}

export const DEFAULT_CLOSE_SETTINGS: CloseSourceSettings = {
  pageSize: 200,
  fields: [...CLOSE_CONTACT_FIELDS],
  customFieldKeys: [],
  discoverCustomFields: true,
  query: null,
};

/** Walks in a row that find nothing new before the window is declared stuck (each later one excludes the ids seen). */
export const MAX_WALKS_WITHOUT_PROGRESS = 3;

interface WalkOutcome {
  /** Rows no earlier walk (or checkpoint) had seen. */
  newRows: number;
  pages: number;
  served: number;
  /** `complete`: the server ended the walk (cursor null); `expired`: it refused the walk's cursor. */
  ended: 'complete' | 'expired';
}

interface WindowBounds {
  fromMicros: number | null;
  beforeMicros: number | null;
  before: string | null;
}

/**
 * Close contacts, split into `date_created` windows (ids are opaque) and read in keyset walks.
 *
 * Close cursors expire (about 30 s) and one cursor walk returns at most about 10,000 contacts, so
 * a window is read as a series of walks: each sorts by `date_created` ascending from where the
 * previous one stopped (`on_or_after` the last timestamp seen) and follows its cursor until the server
 * ends it or refuses the cursor; then a new walk starts from the last position. Rows seen before are
 * recognised by timestamp and id (`GroupedRows`), not by the order of equal timestamps, which Close
 * does not document.
 */
export class CloseSource implements ExportSource {
  readonly name = 'close';
  private customFieldKeys: string[];
  private discovered: boolean;
  private cachedSchema: RecordSchema | undefined;

  constructor(
    private readonly client: CloseClient,
    private readonly settings: CloseSourceSettings,
  ) {
    this.customFieldKeys = [...settings.customFieldKeys];
    this.discovered = !settings.discoverCustomFields;
  }

  /** `closeContactSchemaWith(customFieldKeys)` restricted to the requested regular fields. */
  get schema(): RecordSchema {
    this.cachedSchema ??= closeSchemaFor(this.settings.fields, this.customFieldKeys);
    return this.cachedSchema;
  }

  /** What every page request asks for in `_fields`. */
  get requestedFields(): string[] {
    return [...this.settings.fields, ...this.customFieldKeys];
  }

  /**
   * The custom field keys to export: the explicit ones, plus (with `custom`, the default) every
   * `custom.cf_...` key on the oldest and the newest page of matching contacts (`_fields: ["custom"]`
   * returns the custom fields a contact has set). A field set on none of those contacts is missed;
   * name it with `--fields ...,custom.cf_<id>` to be sure.
   */
  async resolveCustomFieldKeys(signal?: AbortSignal): Promise<string[]> {
    if (this.discovered) return this.customFieldKeys;
    const found = new Set(this.customFieldKeys);
    for (const direction of ['asc', 'desc'] as const) {
      const page = await this.client.search<SourceRow>(
        { query: windowQuery({ onOrAfter: null, before: null, userQuery: this.settings.query }), sort: sortByDateCreated(direction), _limit: this.settings.pageSize, _fields: { contact: ['id', 'custom'] } },
        signal,
      );
      for (const row of page.data) for (const key of Object.keys(row)) if (key.startsWith('custom.')) found.add(key);
    }
    this.customFieldKeys = [...found].sort();
    this.discovered = true;
    this.cachedSchema = undefined;
    return this.customFieldKeys;
  }

  /** One request with everything a page request will send: refuses a bad key (401), query, field list or `_limit` (400). */
  async validate(signal?: AbortSignal): Promise<void> {
    await this.client.search(
      {
        query: windowQuery({ onOrAfter: null, before: null, userQuery: this.settings.query }),
        sort: sortByDateCreated('asc'),
        _fields: { contact: this.requestedFields },
        _limit: this.settings.pageSize,
        results_limit: 0,
        include_counts: true,
      },
      signal,
    );
  }

  /**
   * Finds the oldest and newest `date_created` (sort asc/desc, `_limit: 1`) and the total (`include_counts`),
   * then bisects the span by time, counting each earlier half with `results_limit: 0`, into balanced windows.
   */
  async plan(options: PlanOptions, signal?: AbortSignal): Promise<SourcePlan> {
    const query = windowQuery({ onOrAfter: null, before: null, userQuery: this.settings.query });
    const ends = async (direction: 'asc' | 'desc', includeCounts: boolean) =>
      this.client.search<SourceRow>(
        { query, sort: sortByDateCreated(direction), _limit: 1, _fields: { contact: ['id', 'date_created'] }, ...(includeCounts ? { include_counts: true } : {}) },
        signal,
      );
    const oldest = await ends('asc', true);
    const first = oldest.data[0];
    const total = oldest.count?.total;
    if (!first || total === undefined || total === 0) {
      return { totalRows: total ?? 0, ranges: [{ kind: 'time', index: 0, from: null, before: null, estimatedRows: total ?? 0 }] };
    }
    const last = (await ends('desc', false)).data[0] ?? first;
    const ranges = await splitTimeWindows({
      minMicros: keyOf(first).micros,
      maxMicros: keyOf(last).micros,
      totalRows: total,
      targetRows: options.targetRowsPerRange ?? defaultTargetRows(total),
      count: (fromMicros, beforeMicros) => this.countWindow(fromMicros, beforeMicros, signal),
    });
    return { totalRows: total, ranges };
  }

  private async countWindow(fromMicros: number, beforeMicros: number, signal?: AbortSignal): Promise<number> {
    const response = await this.client.search(
      {
        query: windowQuery({ onOrAfter: formatIsoMicros(fromMicros), before: formatIsoMicros(beforeMicros), userQuery: this.settings.query }),
        results_limit: 0,
        include_counts: true,
      },
      signal,
    );
    if (response.count === undefined) {
      throw new BulkExportError('NO_COUNT', 'Close answered a search with include_counts without a "count"; balanced windows cannot be planned.');
    }
    return response.count.total;
  }

  /**
   * Pages of one window, in `date_created` order, each ending on a whole group of equal timestamps,
   * from `cursor` (a `CloseCursor`; null = the window's start) until the window is exhausted.
   *
   * A window ends when a walk brings nothing new and provably saw everything: it was a single short
   * page, or it excluded (by id) every contact already seen at its starting timestamp. Walks that
   * bring nothing new otherwise (the cap ran out, or the cursor died twice, among contacts already seen
   * at one timestamp) make the following walks at that timestamp exclude those ids, so each of them
   * makes progress; `MAX_WALKS_WITHOUT_PROGRESS` bounds the rest.
   */
  async *pages(range: ExportRange, cursor: SourceCursor | null, signal?: AbortSignal): AsyncIterable<SourcePage> {
    if (range.kind !== 'time') throw new BulkExportError('WRONG_RANGE_KIND', `Close ranges are date_created windows, got ${range.kind}.`);
    const bounds = windowBounds(range);
    const grouped = new GroupedRows(cursor as CloseCursor | null);
    /** The restart instant at which walks exclude the ids already seen; undefined = none. */
    let excludeAt: number | null | undefined;
    let walksWithoutProgress = 0;
    for (;;) {
      const exclude = excludeAt !== undefined && excludeAt === grouped.restartMicros;
      const outcome = yield* this.walk(bounds, grouped, exclude, signal);
      if (outcome.newRows > 0) {
        walksWithoutProgress = 0;
        continue;
      }
      const sawEverything = exclude || (outcome.pages === 1 && outcome.served < this.settings.pageSize);
      if (outcome.ended === 'complete' && sawEverything) break;
      walksWithoutProgress += 1;
      if (walksWithoutProgress > MAX_WALKS_WITHOUT_PROGRESS) {
        throw new BulkExportError(
          'NO_PROGRESS',
          `Close returned nothing new in ${walksWithoutProgress} walks of window ${JSON.stringify(range)} from ${JSON.stringify(grouped.restartMicros === null ? null : formatIsoMicros(grouped.restartMicros))}; ` +
            'the range will be retried from its checkpoint.',
        );
      }
      // A cursor that died once while skipping rows already seen was probably a hiccup (a slow request, a
      // rate-limit wait): walk again as usual. Twice, or a walk that ended among them (its cap is smaller
      // than the group), and the next walk leaves them out by id, which costs a larger query.
      if (outcome.ended === 'complete' || walksWithoutProgress > 1) excludeAt = grouped.restartMicros;
    }
    const last = grouped.finish();
    if (last) yield last;
  }

  /** One cursor walk from the current position; yields the pages that complete groups. */
  private async *walk(bounds: WindowBounds, grouped: GroupedRows, exclude: boolean, signal?: AbortSignal): AsyncGenerator<SourcePage, WalkOutcome> {
    const restart = grouped.restartMicros;
    const body: CloseSearchBody = {
      query: windowQuery({
        onOrAfter: restart !== null ? formatIsoMicros(restart) : bounds.fromMicros !== null ? formatIsoMicros(bounds.fromMicros) : null,
        before: bounds.before,
        userQuery: this.settings.query,
        excludeIds: exclude ? [...grouped.idsAtRestart] : [],
      }),
      sort: sortByDateCreated('asc'),
      _fields: { contact: this.requestedFields },
      _limit: this.settings.pageSize,
    };
    const outcome: WalkOutcome = { newRows: 0, pages: 0, served: 0, ended: 'complete' };
    let walkCursor: string | null = null;
    let previous = -Infinity;
    for (;;) {
      let response;
      try {
        response = await this.client.search<SourceRow>(walkCursor === null ? body : { ...body, cursor: walkCursor }, signal);
      } catch (error) {
        if (walkCursor !== null && isCursorRefusal(error)) {
          outcome.ended = 'expired';
          return outcome;
        }
        throw error;
      }
      outcome.pages += 1;
      outcome.served += response.data.length;
      for (const row of response.data) {
        const keyed = keyOf(row);
        if (keyed.micros < previous) {
          throw new BulkExportError(
            'UNSORTED_PAGE',
            `Close returned contact ${keyed.id} (date_created ${keyed.created}) after a later one: the walk is not sorted by date_created, so keyset paging could skip rows.`,
          );
        }
        previous = keyed.micros;
        if (!inWindow(keyed.micros, bounds)) continue;
        if (grouped.accept(keyed)) outcome.newRows += 1;
      }
      const page = grouped.takePage();
      if (page) yield page;
      if (response.cursor === null) return outcome;
      walkCursor = response.cursor;
    }
  }
}

function windowBounds(window: TimeWindow): WindowBounds {
  const parse = (value: string | null, name: string) => {
    if (value === null) return null;
    const micros = parseIsoMicros(value);
    if (micros === null) throw new BulkExportError('WRONG_RANGE_KIND', `The window's ${name} bound ${JSON.stringify(value)} is not an ISO 8601 instant.`);
    return micros;
  };
  return { fromMicros: parse(window.from, 'from'), beforeMicros: parse(window.before, 'before'), before: window.before };
}

function inWindow(micros: number, bounds: WindowBounds): boolean {
  return (bounds.fromMicros === null || micros >= bounds.fromMicros) && (bounds.beforeMicros === null || micros < bounds.beforeMicros);
}

/** The paging key of a row: its id and `date_created` (requested in every `_fields`). */
export function keyOf(row: SourceRow): KeyedRow {
  const id = row.id;
  const created = row.date_created;
  const micros = typeof created === 'string' ? parseIsoMicros(created) : null;
  if (typeof id !== 'string' || typeof created !== 'string' || micros === null) {
    throw new BulkExportError(
      'UNEXPECTED_ROW',
      `Close returned a contact without a string id and an ISO 8601 date_created (${JSON.stringify({ id, date_created: created })}).`,
    );
  }
  return { row, id, micros, created };
}
