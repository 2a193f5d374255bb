import { BulkExportError, InvalidInputError, SourceRequestError, SourceUnavailableError } from '../../errors/index.js';
import { planChangeWindows } from '../../planning/change-window-planner.js';
import type { ExportRange, IdRange, TimeWindow } from '../../planning/export-range.js';
import { defaultTargetRows, splitIdRange } from '../../planning/id-range-splitter.js';
import { parseIsoMicros } from '../../planning/time-window-splitter.js';
import type { RecordSchema } from '../../sinks/record-schema.js';
import { virtuousAbbreviatedContactSchema } from '../../sinks/schemas/virtuous-abbreviated-contact-schema.js';
import { virtuousFullContactSchema } from '../../sinks/schemas/virtuous-full-contact-schema.js';
import type { ExportSource, PlanOptions, SourceCursor, SourcePage, SourcePlan, SourceRow } from '../export-source.js';
import { cursorOf, GroupedRows, type KeyedRow, type KeysetOptions } from '../timestamp-keyset.js';
import { keysetQuery, modifiedQuery } from './keyset-query.js';
import { findIdParameter, findModifiedParameter, type ModifiedDateFilter, type VirtuousQueryOptions } from './query-options.js';
import type { VirtuousClient } from './virtuous-client.js';
import type { VirtuousConditionGroup, VirtuousQueryBody, VirtuousQueryEnvelope } from './virtuous-query.js';

export interface VirtuousSourceSettings {
  /** Read `/Query/FullContact` (complete records) instead of the abbreviated `/Query` items. */
  fullContact: boolean;
  includeArchived: boolean;
  /** Records per request (`take`); the API allows at most 1000. */
  pageSize: number;
  /** `sortBy` value meaning "by contact id". */
  sortBy: string;
  /** Discovered from QueryOptions when planning; null = discover now. */
  idParameter: string | null;
  /** The user's `--where` condition groups (ORed; the paging conditions are ANDed into each); empty = every contact. */
  groups?: VirtuousConditionGroup[];
  /**
   * `id` (default): ranges of contact ids, paged by id. `modified` (incremental and `--since`): windows of
   * modification time, paged by `modifiedDateTimeUtc` (FullContact, archived included).
   */
  walk?: 'id' | 'modified';
  /** The modification-date parameter and operators; discovered from QueryOptions when planning. */
  modifiedFilter?: ModifiedDateFilter | null;
  /** `sortBy` value meaning "by modification date"; discovered when planning (or `--sort-by`). */
  modifiedSortBy?: string | null;
}

export const DEFAULT_VIRTUOUS_SETTINGS: VirtuousSourceSettings = {
  fullContact: false,
  includeArchived: false,
  pageSize: 1000,
  sortBy: 'Id',
  idParameter: null,
};

/**
 * `sortBy` values tried, in order, for "by modification date" when `--sort-by` does not name one (no
 * official list exists; these are the ones seen in working code): the first the API does not refuse
 * with a 400 is used, and every page is checked to be in ascending modification order.
 */
export const MODIFIED_SORT_CANDIDATES = ['LastModifiedDate', 'Last Modified Date', 'modifiedDateTimeUtc'] as const;

/** Where a modification window's checkpoint keeps its position: `{ lastModified, idsAtLast }`. */
export const VIRTUOUS_MODIFIED_KEYSET: KeysetOptions = { positionKey: 'lastModified', sourceName: 'Virtuous' };

/** The record field holding a contact's modification time (FullContact only). */
export const MODIFIED_FIELD = 'modifiedDateTimeUtc';

/**
 * Smaller and smaller `take` values for a page that keeps failing transiently, as a production
 * connector does for large FullContact pages (see shared/docs/source-apis.md).
 */
export const TAKE_LADDER = [1000, 500, 250, 50, 10, 1] as const;
/** Attempts at one `take` before trying a smaller one (the smallest gets the client's full count). */
export const ATTEMPTS_BEFORE_SMALLER_TAKE = 3;
/** Consecutive successful pages at a reduced `take` before trying the next larger one again. */
export const PAGES_BEFORE_LARGER_TAKE = 4;

/** The `take` values to try, from the configured page size down to 1. */
export function takeLevels(pageSize: number): number[] {
  return [pageSize, ...TAKE_LADDER.filter((take) => take < pageSize)];
}

/** Where a range's reading stands on the take ladder. */
class TakeLadder {
  private readonly levels: number[];
  private level = 0;
  private goodPagesAtLevel = 0;

  constructor(pageSize: number) {
    this.levels = takeLevels(pageSize);
  }

  get take(): number {
    return this.levels[this.level]!;
  }

  get atSmallest(): boolean {
    return this.level === this.levels.length - 1;
  }

  smaller(): void {
    this.level += 1;
    this.goodPagesAtLevel = 0;
  }

  /** After a good page: back up one size after a few good pages at a reduced one. */
  succeeded(): void {
    if (this.level > 0 && ++this.goodPagesAtLevel >= PAGES_BEFORE_LARGER_TAKE) {
      this.level -= 1;
      this.goodPagesAtLevel = 0;
    }
  }
}

interface VirtuousCursor extends SourceCursor {
  lastId: number;
}

interface IdentifiedRow extends SourceRow {
  id: number;
}

/**
 * Virtuous contacts. Full exports are split by numeric `Contact Id` and paged with an id keyset
 * cursor; incremental and `--since` exports are split by modification time and paged with a timestamp
 * keyset (`GroupedRows`, the same boundary logic as Close's windows). The user's `--where` groups are
 * part of every request, planning counts included.
 */
export class VirtuousSource implements ExportSource {
  readonly name = 'virtuous';
  readonly schema: RecordSchema;
  private idParameter: string | null;
  private modifiedFilter: ModifiedDateFilter | null;
  private modifiedSortBy: string | null;
  private cachedQueryOptions: Promise<VirtuousQueryOptions> | undefined;

  constructor(
    private readonly client: VirtuousClient,
    private readonly settings: VirtuousSourceSettings,
    private readonly options: { rawRows?: boolean } = {},
  ) {
    this.schema = settings.fullContact || settings.walk === 'modified' ? virtuousFullContactSchema : virtuousAbbreviatedContactSchema;
    this.idParameter = settings.idParameter;
    this.modifiedFilter = settings.modifiedFilter ?? null;
    this.modifiedSortBy = settings.modifiedSortBy ?? null;
  }

  private get walksModified(): boolean {
    return this.settings.walk === 'modified';
  }

  /** `GET /api/Contact/QueryOptions`, asked once per source. */
  queryOptions(signal?: AbortSignal): Promise<VirtuousQueryOptions> {
    this.cachedQueryOptions ??= this.client.queryOptions(signal);
    const pending = this.cachedQueryOptions;
    pending.catch(() => {
      if (this.cachedQueryOptions === pending) this.cachedQueryOptions = undefined;
    });
    return pending;
  }

  /** The id parameter in use, discovering it from QueryOptions the first time. */
  async resolveIdParameter(signal?: AbortSignal): Promise<string> {
    this.idParameter ??= findIdParameter(await this.queryOptions(signal));
    return this.idParameter;
  }

  /** The modification-date parameter and operators, discovering them from QueryOptions the first time. */
  async resolveModifiedFilter(signal?: AbortSignal): Promise<ModifiedDateFilter> {
    this.modifiedFilter ??= findModifiedParameter(await this.queryOptions(signal));
    return this.modifiedFilter;
  }

  /**
   * The `sortBy` value for "by modification date": the configured one, else the first of the
   * modification parameter's name and `MODIFIED_SORT_CANDIDATES` that the API does not refuse (400).
   */
  async resolveModifiedSortBy(signal?: AbortSignal): Promise<string> {
    if (this.modifiedSortBy) return this.modifiedSortBy;
    const filter = await this.resolveModifiedFilter(signal);
    const candidates = [...new Set([...MODIFIED_SORT_CANDIDATES, filter.parameter])];
    const refused: string[] = [];
    for (const sortBy of candidates) {
      try {
        await this.client.query({ groups: [], sortBy, descending: false, includeArchived: true }, { take: 1, fullContact: false }, signal);
        this.modifiedSortBy = sortBy;
        return sortBy;
      } catch (error) {
        if (!(error instanceof SourceRequestError) || error.status !== 400) throw error;
        refused.push(`"${sortBy}" (${error.apiMessage || 'refused'})`);
      }
    }
    throw new InvalidInputError(
      `Virtuous refused every sortBy value tried for "by modification date": ${refused.join(', ')}. Give the one this organization accepts with --sort-by.`,
    );
  }

  async validate(signal?: AbortSignal): Promise<void> {
    await this.resolveIdParameter(signal);
    if (this.walksModified) {
      await this.resolveModifiedFilter(signal);
      await this.resolveModifiedSortBy(signal);
    }
  }

  async plan(options: PlanOptions, signal?: AbortSignal): Promise<SourcePlan> {
    if (this.walksModified) return this.planModified(options, signal);
    const idParameter = await this.resolveIdParameter(signal);
    const groups = this.settings.groups;
    const probe = async (afterId: number | null, upToId: number | null, descending = false) =>
      this.client.query<IdentifiedRow>(
        keysetQuery({ idParameter, afterId, upToId, includeArchived: this.settings.includeArchived, sortBy: this.settings.sortBy, descending, groups }),
        { take: 1, fullContact: false },
        signal,
      );
    const lowest = await probe(null, null);
    const first = lowest.list[0];
    if (!first || lowest.total === 0) {
      return { totalRows: 0, ranges: [{ kind: 'id', index: 0, afterId: null, upToId: null, estimatedRows: 0 }] };
    }
    const highest = await probe(null, null, true);
    const maxId = highest.list[0]?.id ?? first.id;
    const ranges = await splitIdRange({
      minId: first.id,
      maxId,
      totalRows: lowest.total,
      targetRows: options.targetRowsPerRange ?? defaultTargetRows(lowest.total),
      count: async (afterId, upToId) => (await probe(afterId, upToId)).total,
    });
    return { totalRows: lowest.total, ranges };
  }

  /**
   * Oldest and newest modification from `changesSince` on (FullContact, `take=1`, ascending and
   * descending), the total, then balanced modification-time windows counted with the same filtered
   * query, ending at a fixed upper bound (see `planChangeWindows`).
   */
  private async planModified(options: PlanOptions, signal?: AbortSignal): Promise<SourcePlan> {
    const [filter, idParameter, sortBy] = [await this.resolveModifiedFilter(signal), await this.resolveIdParameter(signal), await this.resolveModifiedSortBy(signal)];
    const since = options.changesSince ?? null;
    const sinceMicros = since ? requireMicros(since.at, 'the incremental start') : null;
    const groups = this.settings.groups;
    const probe = (descending: boolean) =>
      this.client.query<SourceRow>(
        modifiedQuery({ filter, idParameter, fromMicros: sinceMicros, beforeMicros: null, excludeIds: since?.idsAtLast ?? [], sortBy, descending, groups }),
        { take: 1, fullContact: true },
        signal,
      );
    const oldest = await probe(false);
    const first = oldest.list[0];
    const last = first ? ((await probe(true)).list[0] ?? first) : undefined;
    const oldestMicros = first ? modifiedKeyOf(first).micros : null;
    const newestMicros = last ? modifiedKeyOf(last).micros : null;
    if (oldestMicros !== null && newestMicros !== null && oldestMicros > newestMicros) {
      throw new BulkExportError(
        'UNSORTED_PAGE',
        `Virtuous sorted by sortBy "${sortBy}" put ${modifiedKeyOf(last!).stamp} last and ${modifiedKeyOf(first!).stamp} first: it does not sort by modification date. ` +
          'Give the sortBy value this organization uses for the modification date with --sort-by.',
      );
    }
    const totalRows = first ? oldest.total : 0;
    const { ranges, until } = await planChangeWindows({
      field: MODIFIED_FIELD,
      since,
      oldestMicros,
      newestMicros,
      totalRows,
      targetRows: options.targetRowsPerRange,
      count: async (fromMicros, beforeMicros) =>
        (
          await this.client.query(
            modifiedQuery({ filter, idParameter, fromMicros, beforeMicros, sortBy: this.settings.sortBy, groups }),
            { take: 1, fullContact: false },
            signal,
          )
        ).total,
    });
    return { totalRows, ranges, until };
  }

  /**
   * Pages of one range: an id range in id order, or (incremental) a modification window in
   * modification order. A page that keeps failing transiently (5xx, timeouts, dropped connections) is
   * asked again with a smaller `take` (see `TAKE_LADDER`) before the range gives up; after a few good
   * pages the size goes back up towards the configured page size. Permanent errors (400, 401, 403, ...)
   * are not retried at any size.
   */
  async *pages(range: ExportRange, cursor: SourceCursor | null, signal?: AbortSignal): AsyncIterable<SourcePage> {
    if (this.walksModified) {
      if (range.kind !== 'time') throw new BulkExportError('WRONG_RANGE_KIND', `This Virtuous export walks modification time, got a ${range.kind} range.`);
      yield* this.modifiedPages(range, cursor, signal);
      return;
    }
    if (range.kind !== 'id') throw new BulkExportError('WRONG_RANGE_KIND', `Virtuous ranges are id ranges, got ${range.kind}.`);
    yield* this.idPages(range, cursor, signal);
  }

  private async queryWithLadder<T>(
    body: VirtuousQueryBody,
    ladder: TakeLadder,
    fullContact: boolean,
    signal?: AbortSignal,
    rawRows = false,
  ): Promise<VirtuousQueryEnvelope<T>> {
    for (;;) {
      const smallest = ladder.atSmallest;
      try {
        const page = { take: ladder.take, fullContact, rawRows, ...(smallest ? {} : { maxAttempts: ATTEMPTS_BEFORE_SMALLER_TAKE }) };
        return await this.client.query<T>(body, page, signal);
      } catch (error) {
        if (!(error instanceof SourceUnavailableError) || smallest) throw error;
        ladder.smaller();
      }
    }
  }

  private async *idPages(range: IdRange, cursor: SourceCursor | null, signal?: AbortSignal): AsyncIterable<SourcePage> {
    const idParameter = await this.resolveIdParameter(signal);
    const ladder = new TakeLadder(this.settings.pageSize);
    let afterId = (cursor as VirtuousCursor | null)?.lastId ?? range.afterId;
    for (;;) {
      const envelope = await this.queryWithLadder<IdentifiedRow>(
        keysetQuery({ idParameter, afterId, upToId: range.upToId, includeArchived: this.settings.includeArchived, sortBy: this.settings.sortBy, groups: this.settings.groups }),
        ladder,
        this.settings.fullContact,
        signal,
        this.options.rawRows,
      );
      const rows = envelope.list;
      if (rows.length === 0) return;
      assertAscendingAfter(rows, afterId);
      const firstId = rows[0]!.id;
      const lastId = rows.at(-1)!.id;
      yield { rows, ...(envelope.rawList ? { rawRows: envelope.rawList } : {}), cursor: { lastId }, firstKey: firstId, lastKey: lastId };
      if (envelope.total <= rows.length) return;
      afterId = lastId;
      ladder.succeeded();
    }
  }

  /**
   * One modification window [from, before), read oldest change first. Every request starts at the
   * last timestamp read (inclusive) and leaves out, by id, the contacts already read at it, so each page
   * brings only new contacts however many share a timestamp, and `skip` is never used. Rows are
   * released in whole groups of equal timestamps (`GroupedRows`), so a checkpoint `{ lastModified,
   * idsAtLast }` is exact. The window is done when the envelope's `total` fits in the page just read.
   */
  private async *modifiedPages(range: TimeWindow, cursor: SourceCursor | null, signal?: AbortSignal): AsyncIterable<SourcePage> {
    const filter = await this.resolveModifiedFilter(signal);
    const idParameter = await this.resolveIdParameter(signal);
    const sortBy = await this.resolveModifiedSortBy(signal);
    const fromMicros = range.from === null ? null : requireMicros(range.from, "the window's start");
    const beforeMicros = range.before === null ? null : requireMicros(range.before, "the window's end");
    if (fromMicros !== null && beforeMicros !== null && fromMicros >= beforeMicros) return;
    const start = cursor ?? (range.from !== null && range.afterIds?.length ? cursorOf({ at: range.from, idsAtLast: range.afterIds }, VIRTUOUS_MODIFIED_KEYSET.positionKey) : null);
    const grouped = new GroupedRows(start, VIRTUOUS_MODIFIED_KEYSET);
    const ladder = new TakeLadder(this.settings.pageSize);
    for (;;) {
      const restart = grouped.restartMicros;
      const envelope = await this.queryWithLadder<SourceRow>(
        modifiedQuery({
          filter,
          idParameter,
          fromMicros: restart ?? fromMicros,
          beforeMicros,
          excludeIds: restart !== null ? [...grouped.idsAtRestart] : [],
          sortBy,
          groups: this.settings.groups,
        }),
        ladder,
        true,
        signal,
        this.options.rawRows,
      );
      const rows = envelope.list;
      let fresh = 0;
      let previous = -Infinity;
      for (let index = 0; index < rows.length; index++) {
        const keyed = modifiedKeyOf(rows[index]!);
        if (envelope.rawList) keyed.raw = envelope.rawList[index];
        if (keyed.micros < previous) {
          throw new BulkExportError(
            'UNSORTED_PAGE',
            `Virtuous returned contact ${keyed.id} (modified ${keyed.stamp}) after a later one: the page is not sorted by modification date (sortBy "${sortBy}"), ` +
              'so paging by it could skip rows. Give the right sortBy value with --sort-by.',
          );
        }
        previous = keyed.micros;
        if ((fromMicros !== null && keyed.micros < fromMicros) || (beforeMicros !== null && keyed.micros >= beforeMicros)) continue;
        if (grouped.accept(keyed)) fresh += 1;
      }
      const page = grouped.takePage();
      if (page) yield page;
      if (envelope.total <= rows.length) break;
      if (fresh === 0) {
        throw new BulkExportError(
          'NO_PROGRESS',
          `Virtuous returned no contact not read before in window ${JSON.stringify(range)} (${rows.length} of ${envelope.total} matches): ` +
            `does it honour "${idParameter} NotIn" and the "${filter.lower}" bound? The range will be retried from its checkpoint.`,
        );
      }
      ladder.succeeded();
    }
    const last = grouped.finish();
    if (last) yield last;
  }
}

/**
 * A FullContact row's keyset key: its id and `modifiedDateTimeUtc` (zone-less, 0-7 fractional digits,
 * UTC; compared as instants at microsecond precision, which keeps the order of the 100 ns values).
 */
export function modifiedKeyOf(row: SourceRow): KeyedRow {
  const id = row.id;
  const stamp = row[MODIFIED_FIELD];
  const micros = typeof stamp === 'string' ? parseIsoMicros(stamp) : null;
  if ((typeof id !== 'number' && typeof id !== 'string') || typeof stamp !== 'string' || micros === null) {
    throw new BulkExportError(
      'UNEXPECTED_ROW',
      `Virtuous returned a contact without an id and a readable ${MODIFIED_FIELD} (${JSON.stringify({ id, [MODIFIED_FIELD]: stamp })}); ` +
        'incremental exports read /api/Contact/Query/FullContact, whose records carry it.',
    );
  }
  return { row, id: String(id), micros, stamp };
}

function requireMicros(value: string, what: string): number {
  const micros = parseIsoMicros(value);
  if (micros === null) throw new BulkExportError('WRONG_RANGE_KIND', `${what} ${JSON.stringify(value)} is not an ISO 8601 instant.`);
  return micros;
}

/** The keyset cursor is only sound when the server honours the id sort; refuse to guess otherwise. */
function assertAscendingAfter(rows: IdentifiedRow[], afterId: number | null): void {
  let previous = afterId ?? -Infinity;
  for (const row of rows) {
    if (typeof row.id !== 'number' || !(row.id > previous)) {
      throw new BulkExportError(
        'UNSORTED_PAGE',
        `Virtuous returned contact ${String(row.id)} after ${previous}: the page is not sorted by ascending id, so paging by id could skip rows. ` +
          'Check the sortBy value (--sort-by) against what this organization accepts.',
      );
    }
    previous = row.id;
  }
}
