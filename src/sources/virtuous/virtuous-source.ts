import { BulkExportError, SourceRequestError, SourceUnavailableError } from '../../errors/index.js';
import type { ExportRange, IdRange } from '../../planning/export-range.js';
import { defaultTargetRows, splitIdRange } from '../../planning/id-range-splitter.js';
import type { RecordSchema } from '../../sinks/record-schema.js';
import { countedPage, NOTHING_READ, type ApiRowCount } from '../api-row-count.js';
import type { ExportSource, PlanOptions, RowChange, SourceCursor, SourcePage, SourcePlan, SourceRow } from '../export-source.js';
import { AttemptBudget } from '../http/attempt-budget.js';
import type { TimestampPosition } from '../../planning/timestamp-position.js';
import { ChangeCut, positionMicros } from './change-cut.js';
import { keysetQuery, prefilterCondition, prefilterFloorMicros } from './keyset-query.js';
import { findIdKeyset, findModifiedPrefilter, type IdKeyset, type ModifiedPrefilter, type VirtuousQueryOptions } from './query-options.js';
import type { VirtuousClient, VirtuousPageRequest } from './virtuous-client.js';
import type { VirtuousRecords } from './virtuous-records.js';
import type { VirtuousCondition, VirtuousConditionGroup, VirtuousQueryBody, VirtuousQueryEnvelope } from './virtuous-query.js';

export interface VirtuousSourceSettings {
  /** Read the full records (`/Query/FullContact`, `/Query/FullGift`) instead of the abbreviated `/Query` items. */
  fullRecords: boolean;
  /** What `fullRecords` was called in specs written before gifts (contacts only); read when `fullRecords` is absent. */
  fullContact?: boolean;
  /** Archived contacts too (the default: an initial load must be complete); `--exclude-archived` turns it off. Records never archived ignore it. */
  includeArchived: boolean;
  /** Records per request (`take`); the API allows at most 1000. */
  pageSize: number;
  /** `sortBy` value meaning "by id". */
  sortBy: string;
  /** The id parameter and its keyset operators, discovered from QueryOptions when planning; null = discover now. */
  idKeyset: IdKeyset | null;
  /** The user's `--where` condition groups (ORed); the paging conditions are ANDed into each); empty = every record. */
  groups?: VirtuousConditionGroup[];
  /** Incremental and `--since` exports: only contacts modified from a position on (FullContact, archived included). */
  changes?: VirtuousChangeSettings;
}

/**
 * What an export of changes reads: the same id ranges as a full export, with a coarse date pre-filter
 * in every request and an exact cut on each record's `modifiedDateTimeUtc`. Nothing depends on a
 * `sortBy` for the modification date (none is evidenced for contacts) or on `NotIn` (not offered for ids).
 */
export interface VirtuousChangeSettings {
  /** Contacts modified at or after `at` (less the ids listed at exactly `at`); null = every contact (a first full load). */
  since: TimestampPosition | null;
  /** The date parameter and operator of the pre-filter, discovered from QueryOptions when planning; null = discover now. */
  prefilter: ModifiedPrefilter | null;
  /** `--watermark-overlap`: how far the next watermark stays behind what the reads prove (see read-clock-watermark.ts). */
  overlapMs?: number;
}

export const DEFAULT_VIRTUOUS_SETTINGS: VirtuousSourceSettings = {
  fullRecords: false,
  includeArchived: true,
  pageSize: 1000,
  sortBy: 'Id',
  idKeyset: null,
};

export { MODIFIED_FIELD } from './change-cut.js';

/**
 * Smaller and smaller `take` values for a page that keeps failing transiently, as a production
 * connector does for large FullContact pages (docs/sources/virtuous.md, "Evidence: rate limit and failures").
 */
export const TAKE_LADDER = [1000, 500, 250, 50, 10, 1] as const;
/**
 * Failed tries at one `take` before the next smaller one: two, so that one transient failure does not
 * shrink the pages, and a page that keeps failing is re-split at once. The tries of one page are bounded
 * overall, not per take (`AttemptBudget`, SOURCE_REQUEST_ATTEMPTS, default 8: 1000, 1000, 500, 500, 250,
 * 250, 50, 50): an API that never answers costs a range attempt at most that many timeouts.
 */
export const ATTEMPTS_BEFORE_SMALLER_TAKE = 2;
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
 * Virtuous records of one type (contacts, gifts: the client's `VirtuousRecords`), split into ranges of
 * their numeric id and paged with an id keyset cursor
 * (`id > last AND id <= end`, sorted by id, `skip=0`). Exports of changes (incremental, `--since`) read
 * the same ranges with a modification-date pre-filter in every request and keep exactly the records
 * modified from their start on (`ChangeCut`). The user's `--where` groups are part of every request,
 * planning counts included. Only operators the organization's QueryOptions lists are ever sent.
 */
export class VirtuousSource implements ExportSource {
  readonly name = 'virtuous';
  /** Abbreviated and full records have different columns, so each has a table of its own. */
  readonly table: string;
  readonly schema: RecordSchema;
  private readonly records: VirtuousRecords;
  /** Whether it reads full records: asked for, or an export of changes (only full records carry a modification time). */
  private readonly full: boolean;
  private idKeyset: IdKeyset | null;
  private prefilter: ModifiedPrefilter | null;
  /** Records per request: the settings', or smaller once the API refused it (see `acceptedPageSize`). */
  pageSize: number;
  private cachedQueryOptions: Promise<VirtuousQueryOptions> | undefined;

  constructor(
    private readonly client: VirtuousClient,
    private readonly settings: VirtuousSourceSettings,
    private readonly options: { rawRows?: boolean } = {},
  ) {
    this.records = client.records;
    this.full = Boolean((settings.fullRecords ?? settings.fullContact) || settings.changes);
    this.table = this.full ? this.records.tables.full : this.records.tables.abbreviated;
    this.schema = this.full ? this.records.schemas.full : this.records.schemas.abbreviated;
    this.idKeyset = settings.idKeyset;
    this.prefilter = settings.changes?.prefilter ?? null;
    this.pageSize = settings.pageSize;
  }

  /** `includeArchived` for records that can be archived (contacts); nothing for others, which the evidence shows no such flag for. */
  private archivedOption(): { includeArchived?: boolean } {
    return this.records.archivable ? { includeArchived: this.settings.includeArchived } : {};
  }

  keyOf(row: SourceRow): number | null {
    return typeof row.id === 'number' ? row.id : null;
  }

  /** `GET <resource>/QueryOptions` of its record type, asked once per source. */
  queryOptions(signal?: AbortSignal): Promise<VirtuousQueryOptions> {
    this.cachedQueryOptions ??= this.client.queryOptions(signal);
    const pending = this.cachedQueryOptions;
    pending.catch(() => {
      if (this.cachedQueryOptions === pending) this.cachedQueryOptions = undefined;
    });
    return pending;
  }

  /** The id parameter and keyset operators in use, discovering them from QueryOptions the first time. */
  async resolveIdKeyset(signal?: AbortSignal): Promise<IdKeyset> {
    this.idKeyset ??= findIdKeyset(await this.queryOptions(signal), this.records);
    return this.idKeyset;
  }

  /** The modification-date pre-filter of an export of changes, discovering it from QueryOptions the first time. */
  async resolvePrefilter(signal?: AbortSignal): Promise<ModifiedPrefilter> {
    this.prefilter ??= findModifiedPrefilter(await this.queryOptions(signal), this.records);
    return this.prefilter;
  }

  /** Everything the export will send is offered by the organization: the id keyset, the pre-filter of an export of changes, and the page size. */
  async validate(signal?: AbortSignal): Promise<void> {
    await this.resolveIdKeyset(signal);
    if (this.settings.changes) await this.resolvePrefilter(signal);
    if (this.records.takeUnsettled) this.pageSize = await this.acceptedPageSize(signal);
  }

  /**
   * The largest `take` from the page size down (`takeLevels`) that the API accepts for this record type:
   * one query per size that matches no record (ids up to 0; ids are positive), so an answer costs a request
   * and no rows. A refusal (400) steps down; when every size is refused the first refusal stands, as it is
   * then about something else.
   */
  private async acceptedPageSize(signal?: AbortSignal): Promise<number> {
    const keyset = await this.resolveIdKeyset(signal);
    const body = keysetQuery({ keyset, afterId: null, upToId: 0, ...this.archivedOption(), sortBy: this.settings.sortBy });
    let firstRefusal: unknown;
    for (const take of takeLevels(this.settings.pageSize)) {
      try {
        await this.client.query(body, { take, full: this.full }, signal);
        return take;
      } catch (error) {
        if (!(error instanceof SourceRequestError) || error.status !== 400) throw error;
        firstRefusal ??= error;
      }
    }
    throw firstRefusal;
  }

  /**
   * The lowest and highest matching id (`take=1`, ascending and descending), the total, then balanced id
   * ranges found by bisection with `take=1` count probes of the same query (the `--where` groups and, for
   * changes, the pre-filter from `options.changesSince` included). With `rangesFor`, equal-width ranges
   * without count probes; one range needs only the first probe.
   */
  async plan(options: PlanOptions, signal?: AbortSignal): Promise<SourcePlan> {
    const keyset = await this.resolveIdKeyset(signal);
    const extra = await this.prefilterConditions(options.changesSince ?? null, signal);
    const probe = async (afterId: number | null, upToId: number | null, descending = false) =>
      this.client.query<IdentifiedRow>(
        keysetQuery({
          keyset,
          afterId,
          upToId,
          ...this.archivedOption(),
          sortBy: this.settings.sortBy,
          descending,
          groups: this.settings.groups,
          extra,
        }),
        { take: 1, full: false },
        signal,
      );
    const lowest = await probe(null, null);
    const first = lowest.list[0];
    if (!first || lowest.total === 0) {
      return { totalRows: 0, ranges: [{ kind: 'id', index: 0, afterId: null, upToId: null, estimatedRows: 0 }] };
    }
    requireNumericId(first, this.records);
    const pieces = options.rangesFor?.(lowest.total);
    if (pieces === 1)
      return { totalRows: lowest.total, ranges: [{ kind: 'id', index: 0, afterId: null, upToId: null, estimatedRows: lowest.total }] };
    const highest = (await probe(null, null, true)).list[0];
    // A server that ignores `descending` answers with the lowest id again: find the highest by counting instead.
    const maxId =
      highest && requireNumericId(highest, this.records) > first.id
        ? highest.id
        : lowest.total > 1
          ? await highestId(first.id, (afterId) => probe(afterId, null))
          : first.id;
    const ranges = await splitIdRange({
      minId: first.id,
      maxId,
      totalRows: lowest.total,
      targetRows: options.targetRowsPerRange ?? defaultTargetRows(lowest.total),
      count: async (afterId, upToId) => (await probe(afterId, upToId)).total,
      ...(pieces !== undefined ? { evenPieces: pieces } : {}),
    });
    return { totalRows: lowest.total, ranges };
  }

  /** The pre-filter condition of an export of changes from `since` (none for a full load, or a full export). */
  private async prefilterConditions(since: TimestampPosition | null, signal?: AbortSignal): Promise<VirtuousCondition[]> {
    if (!this.settings.changes || since === null) return [];
    return [prefilterCondition(await this.resolvePrefilter(signal), positionMicros(since))];
  }

  /**
   * Pages of one id range in id order. A page that keeps failing transiently (5xx, timeouts, dropped
   * connections) is asked again with a smaller `take` (see `TAKE_LADDER`), all takes sharing one budget
   * of tries, before the range gives up; after a few good pages the size goes back up towards the
   * configured page size. Permanent errors (400, 401, 403, ...) are not retried at any size.
   */
  async *pages(range: ExportRange, cursor: SourceCursor | null, signal?: AbortSignal): AsyncIterable<SourcePage> {
    if (range.kind !== 'id')
      throw new BulkExportError('WRONG_RANGE_KIND', `Virtuous ranges are id ranges, got ${range.kind}; start the export again.`);
    yield* this.idPages(range, cursor, signal);
  }

  /** One page, down the take ladder while it fails transiently, within one attempt budget for all takes; with the take that answered. */
  private async queryWithLadder<T>(
    body: VirtuousQueryBody,
    ladder: TakeLadder,
    full: boolean,
    signal?: AbortSignal,
    rawRows = false,
  ): Promise<{ envelope: VirtuousQueryEnvelope<T>; take: number }> {
    const attempts = new AttemptBudget(this.client.maxAttempts);
    for (;;) {
      const smallest = ladder.atSmallest;
      const take = ladder.take;
      try {
        const page: VirtuousPageRequest = {
          take,
          full,
          rawRows,
          attempts,
          ...(smallest ? {} : { maxAttempts: ATTEMPTS_BEFORE_SMALLER_TAKE }),
        };
        return { envelope: await this.client.query<T>(body, page, signal), take };
      } catch (error) {
        if (!(error instanceof SourceUnavailableError) || smallest || attempts.exhausted) throw error;
        ladder.smaller();
      }
    }
  }

  /**
   * The range ends on evidence only: an empty page, or a page shorter than the `take` that was sent and
   * whose `total` agrees that nothing follows. `total` alone ends it only once an earlier page's total
   * exceeded its rows (the API counts matches; one that reports the page's length as its total still gets
   * asked for the next page), so an exactly full last page costs no empty request; a short page whose
   * `total` says more is followed (a server that silently sends fewer than asked). Every page carries the API's counts so far (`apiCount`) for the commit's row-count check,
   * and every page is yielded, also one whose rows were all cut, so the cursor moves past them.
   */
  private async *idPages(range: IdRange, cursor: SourceCursor | null, signal?: AbortSignal): AsyncIterable<SourcePage> {
    const keyset = await this.resolveIdKeyset(signal);
    const changes = this.settings.changes;
    const since = changes?.since ?? null;
    const extra = await this.prefilterConditions(since, signal);
    const prefilterFloor = since !== null && extra.length > 0 ? { condition: extra[0]!, micros: prefilterFloorMicros(positionMicros(since)) } : null;
    const cut = changes ? new ChangeCut(since) : null;
    const ladder = new TakeLadder(this.pageSize);
    let afterId = lastIdOf(cursor) ?? range.afterId;
    let count: ApiRowCount = NOTHING_READ;
    // Whether this API's `total` has shown itself a count of the matches (above a page's rows), not the page's length.
    let totalsCount = false;
    for (;;) {
      const { envelope, take } = await this.queryWithLadder<IdentifiedRow>(
        keysetQuery({
          keyset,
          afterId,
          upToId: range.upToId,
          ...this.archivedOption(),
          sortBy: this.settings.sortBy,
          groups: this.settings.groups,
          extra,
        }),
        ladder,
        this.full,
        signal,
        this.options.rawRows,
      );
      const read = envelope.list;
      assertInRange(read, afterId, range.upToId, this.settings.sortBy, this.records);
      if (prefilterFloor) assertPassesPrefilter(read, prefilterFloor.condition, prefilterFloor.micros, this.records);
      count = countedPage(count, read.length, envelope.total);
      const lastId = read.at(-1)?.id ?? afterId;
      const page = cut ? keptChanges(read, envelope.rawList, cut, this.records) : { rows: read, rawRows: envelope.rawList, changes: undefined };
      // A page without rows at the range's very start has no cursor to give; its count only matters when it lies, and planning counted the range.
      if (lastId !== null) {
        yield {
          rows: page.rows,
          ...(page.rawRows ? { rawRows: page.rawRows } : {}),
          cursor: { lastId },
          firstKey: page.rows[0]?.id ?? null,
          lastKey: page.rows.at(-1)?.id ?? null,
          ...(page.changes ? { changes: page.changes } : {}),
          apiCount: count,
          remaining: Math.max(0, envelope.total - read.length),
        };
      }
      if (envelope.total > read.length) totalsCount = true;
      if (read.length === 0 || (read.length < take && envelope.total <= read.length)) return;
      // A full last page: its total says nothing follows, from an API whose totals have proved to be counts.
      if (totalsCount && envelope.total === read.length) return;
      afterId = lastId;
      ladder.succeeded();
    }
  }
}

/** The rows of a page that the cut keeps, with their bytes and their modification times. */
function keptChanges(
  read: IdentifiedRow[],
  rawList: Uint8Array[] | undefined,
  cut: ChangeCut,
  records: VirtuousRecords,
): { rows: IdentifiedRow[]; rawRows: Uint8Array[] | undefined; changes: RowChange[] } {
  const rows: IdentifiedRow[] = [];
  const rawRows: Uint8Array[] | undefined = rawList ? [] : undefined;
  const changes: RowChange[] = [];
  read.forEach((row, index) => {
    const modified = ChangeCut.stampOf(row, records);
    if (!cut.keeps(row, modified)) return;
    rows.push(row);
    rawRows?.push(rawList![index]!);
    changes.push({ id: String(row.id), micros: modified.micros, stamp: modified.stamp });
  });
  return { rows, rawRows, changes };
}

function lastIdOf(cursor: SourceCursor | null): number | null {
  if (cursor === null) return null;
  const lastId = (cursor as Partial<VirtuousCursor>).lastId;
  if (typeof lastId !== 'number' || !Number.isSafeInteger(lastId)) {
    throw new BulkExportError('BAD_CURSOR', `Not a Virtuous checkpoint cursor: ${JSON.stringify(cursor)}; retry the export from the start.`);
  }
  return lastId;
}

function requireNumericId(row: SourceRow, records: VirtuousRecords): number {
  if (typeof row.id !== 'number' || !Number.isSafeInteger(row.id)) {
    const kind =
      row.id === undefined
        ? 'no id at all'
        : `the non-numeric id ${JSON.stringify(row.id)?.slice(0, 60)} (${row.id === null ? 'null' : typeof row.id})`;
    throw new BulkExportError(
      'UNEXPECTED_ROW',
      `Virtuous returned a ${records.noun} with ${kind}, where the API documents whole-number ids: ${records.name} are paged by id, so nothing can be exported from this answer. ` +
        'Check that VIRTUOUS_BASE_URL points at the Virtuous API (https://api.virtuoussoftware.com), not at a proxy or another service.',
    );
  }
  return row.id;
}

/**
 * The highest id above `lowestId`, by counting only (for a server that ignores `descending`): doubling
 * steps up until nothing lies above, then bisection. About 2 x log2(span) `take=1` probes.
 */
async function highestId(lowestId: number, countAbove: (afterId: number) => Promise<{ total: number }>): Promise<number> {
  let below = lowestId;
  let step = 1024;
  let above = lowestId + step;
  while ((await countAbove(above)).total > 0) {
    below = above;
    step *= 2;
    above = below + step;
  }
  // Invariant: some id lies above `below` (the lowest is not the only one), none above `above`.
  while (above - below > 1) {
    const middle = Math.floor((below + above) / 2);
    if ((await countAbove(middle)).total > 0) below = middle;
    else above = middle;
  }
  return above;
}

/**
 * The keyset is only sound when the server honours the id order and both bounds of the request: a row
 * at or below the cursor, above the range's end or out of order is the API's fault, never skipped.
 */
function assertInRange(rows: IdentifiedRow[], afterId: number | null, upToId: number | null, sortBy: string, records: VirtuousRecords): void {
  const { noun, name } = records;
  let previous: number | null = null;
  for (const row of rows) {
    const id = requireNumericId(row, records);
    if (afterId !== null && id <= afterId) {
      throw new BulkExportError(
        'OUT_OF_RANGE',
        `Virtuous returned ${noun} ${id} although the request asked only for ids above ${afterId}: the API ignored the cursor's lower bound, ` +
          `so the export would write ${name} twice. ` +
          'Nothing was written from this page; check that VIRTUOUS_BASE_URL reaches the Virtuous API directly, then run bulk-export retry for the export.',
      );
    }
    if (upToId !== null && id > upToId) {
      throw new BulkExportError(
        'OUT_OF_RANGE',
        `Virtuous returned ${noun} ${id} although the request asked only for ids up to ${upToId}: the API ignored the range's upper bound, ` +
          `so the export would write ${name} twice. ` +
          'Nothing was written from this page; check that VIRTUOUS_BASE_URL reaches the Virtuous API directly, then run bulk-export retry for the export.',
      );
    }
    if (previous !== null && id <= previous) {
      throw new BulkExportError(
        'UNSORTED_PAGE',
        `Virtuous returned ${noun} ${id} after ${noun} ${previous} although the request asked for sortBy ${JSON.stringify(sortBy)} ascending: ` +
          'the API ignored the order, so paging by id could skip rows. Check the sortBy value (--sort-by) against what this organization accepts.',
      );
    }
    previous = id;
  }
}

/**
 * An export of changes asks for contacts whose modification date is on or after a day (see
 * `prefilterCondition`): whatever time zone the organization compares that date in, no contact modified
 * before `floorMicros` passes it. One that does shows that the API ignored the condition, and then it may
 * ignore the `--where` conditions too, which the exporter cannot check: the range fails instead.
 */
function assertPassesPrefilter(rows: IdentifiedRow[], condition: VirtuousCondition, floorMicros: number, records: VirtuousRecords): void {
  for (const row of rows) {
    const modified = ChangeCut.stampOf(row, records);
    if (modified.micros < floorMicros) {
      throw new BulkExportError(
        'FILTER_IGNORED',
        `Virtuous returned ${records.noun} ${row.id}, modified ${modified.stamp}, although the request asked only for ${records.name} whose "${condition.parameter}" is ` +
          `${condition.operator} ${condition.value}: the API ignored that condition, so it may ignore others as well. Nothing was written from this page; ` +
          'check that VIRTUOUS_BASE_URL reaches the Virtuous API directly and that the parameter is what `bulk-export options --source virtuous` reports, then run bulk-export retry for the export.',
      );
    }
  }
}
