import { BulkExportError } from '../../errors/index.js';
import { planChangeWindows } from '../../planning/change-window-planner.js';
import type { ExportRange, TimeWindow } from '../../planning/export-range.js';
import { defaultTargetRows } from '../../planning/id-range-splitter.js';
import { splitTimeWindows } from '../../planning/time-window-splitter.js';
import { formatIsoMicros, parseIsoMicros } from '../../time/iso-instant.js';
import type { RecordSchema } from '../../sinks/record-schema.js';
import type { ExportSource, PlanOptions, SourceCursor, SourcePage, SourcePlan, SourceRow } from '../export-source.js';
import { cursorOf } from '../timestamp-keyset.js';
import type { TimestampPosition } from '../../planning/timestamp-position.js';
import type { CloseClient, CloseSearchBody } from './close-client.js';
import { completeContacts, type ContactAnswer } from './close-contact-completion.js';
import { customFieldKey, type CloseCustomField } from './close-custom-fields.js';
import { CustomValueReader } from './close-custom-values.js';
import { splitFieldSelectors, type FieldRequests } from './close-field-selectors.js';
import { closeSchemaFor, CLOSE_CONTACT_FIELDS } from './close-fields.js';
import { closeKeyset, GroupedRows, type CloseTimestampField, type KeyedRow } from './close-keyset.js';
import { sortByDateField, windowQuery, type CloseQueryNode } from './close-query.js';
import { isCursorRefusal } from './close-refusals.js';
import { CloseRequestLimits } from './close-request-limits.js';

export interface CloseSourceSettings {
  /** Contacts per request (`_limit`). Close publishes no ceiling; 100 to 200 are known to work. */
  pageSize: number;
  /** Regular contact fields requested (`_fields`), `id` and `date_created` always among them. */
  fields: string[];
  /** Custom field keys (`custom.<id>`) exported; the schema has one column per key. */
  customFieldKeys: string[];
  /**
   * The catalogue entries (`GET /custom_field/contact/`: id, name, type, multiple) of the exported
   * custom fields, read once by `start` so that every worker builds the same typed schema and reads
   * the same values. A key without an entry (a spec written before catalogues, or a field the catalogue
   * does not list) is exported as JSON text.
   */
  customFields?: CloseCustomField[];
  /** True until `start` has added every field of the catalogue (workers always get false). */
  discoverCustomFields: boolean;
  /** Most `_fields` selectors per request (default `DEFAULT_MAX_FIELD_SELECTORS`); a `_fields` refusal lowers it. */
  maxFieldSelectors?: number;
  /** The user's query (`--query`), ANDed into every request; null = every contact. */
  query: CloseQueryNode | null;
  /**
   * The timestamp windows slice and walks follow: `date_created` (full exports, the default) or
   * `date_updated` (incremental and `--since` exports: contacts changed from a point on).
   */
  timestampField?: CloseTimestampField;
}

export const DEFAULT_CLOSE_SETTINGS: CloseSourceSettings = {
  pageSize: 200,
  fields: [...CLOSE_CONTACT_FIELDS],
  customFieldKeys: [],
  customFields: [],
  discoverCustomFields: true,
  query: null,
};

/** The custom fields an export reads, as `start` resolves them from the catalogue. */
export interface ResolvedCustomFields {
  /** `custom.<id>` keys, in catalogue order, then keys named with --fields that the catalogue does not list. */
  customFieldKeys: string[];
  /** Catalogue entries of those keys. */
  customFields: CloseCustomField[];
  /** Keys named with --fields that the catalogue does not list (exported as JSON text). */
  notInCatalogue: string[];
}

/** Walks in a row that find nothing new before the window is declared stuck (each later one excludes the ids seen). */
export const MAX_WALKS_WITHOUT_PROGRESS = 3;

interface WalkOutcome {
  /** Rows no earlier walk (or checkpoint) had seen. */
  newRows: number;
  pages: number;
  served: number;
  /** `_limit` of the walk's last request. */
  limit: number;
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
  readonly table = 'close/contacts';
  private customFieldKeys: string[];
  private customFields: CloseCustomField[];
  /** Whether `resolveCustomFields` has read the catalogue (workers never do: the spec carries it). */
  private resolved = false;
  private cachedSchema: RecordSchema | undefined;
  private cachedReader: CustomValueReader | undefined;
  private readonly limits: CloseRequestLimits;

  constructor(
    private readonly client: CloseClient,
    private readonly settings: CloseSourceSettings,
    private readonly options: { rawRows?: boolean } = {},
  ) {
    this.customFieldKeys = [...settings.customFieldKeys];
    this.customFields = [...(settings.customFields ?? [])];
    this.limits = new CloseRequestLimits(settings.pageSize, settings.maxFieldSelectors);
  }

  /** `closeContactSchemaWith(customFieldKeys, customFields)` restricted to the requested regular fields. */
  get schema(): RecordSchema {
    this.cachedSchema ??= closeSchemaFor(this.settings.fields, this.customFieldKeys, this.customFields);
    return this.cachedSchema;
  }

  /** Every `_fields` selector of the export (over one request, or several when they do not fit in one). */
  get requestedFields(): string[] {
    return [...this.settings.fields, ...this.customFieldKeys];
  }

  /** The page size Close accepts, as learnt so far (lower than `--page-size` after a refusal naming `_limit`). */
  get pageSize(): number {
    return this.limits.pageSize;
  }

  /** The `_fields` selectors per request Close accepts, as learnt so far. */
  get maxFieldSelectors(): number {
    return this.limits.maxSelectors;
  }

  /** The requests that read one page: the walk's own, and those that complete it (see `splitFieldSelectors`). */
  get fieldRequests(): FieldRequests {
    return splitFieldSelectors(['id', 'date_created', this.timestampField], this.requestedFields, this.limits.maxSelectors);
  }

  /**
   * The custom fields to export, from the organization's catalogue (`GET /custom_field/contact/`):
   * with `custom` (the default) every field it lists, plus the keys named with `--fields`. A named key
   * the catalogue does not list (a shared custom field, say) is still asked for, and exported as JSON.
   */
  async resolveCustomFields(signal?: AbortSignal): Promise<ResolvedCustomFields> {
    if (this.resolved || (!this.settings.discoverCustomFields && this.customFieldKeys.length === 0)) {
      return { customFieldKeys: this.customFieldKeys, customFields: this.customFields, notInCatalogue: [] };
    }
    const catalogue = await this.client.listContactCustomFields(signal);
    const listed = new Set(catalogue.map((field) => customFieldKey(field.id)));
    const named = new Set(this.customFieldKeys);
    const chosen = this.settings.discoverCustomFields ? catalogue : catalogue.filter((field) => named.has(customFieldKey(field.id)));
    const notInCatalogue = this.customFieldKeys.filter((key) => !listed.has(key));
    this.customFieldKeys = [...chosen.map((field) => customFieldKey(field.id)), ...notInCatalogue];
    this.customFields = chosen;
    this.resolved = true;
    this.cachedSchema = undefined;
    this.cachedReader = undefined;
    return { customFieldKeys: this.customFieldKeys, customFields: this.customFields, notInCatalogue };
  }

  /** The timestamp this source walks: `date_created`, or `date_updated` for change exports. */
  keyOf(row: SourceRow): string | null {
    const stamp = row[this.timestampField];
    return typeof stamp === 'string' ? stamp : null;
  }

  get timestampField(): CloseTimestampField {
    return this.settings.timestampField ?? 'date_created';
  }

  /**
   * One request with everything a walk's request will send: refuses a bad key (401) or query (400).
   * A `_limit` or `_fields` that Close refuses is stepped down here already (see `pageSize`).
   */
  async validate(signal?: AbortSignal): Promise<void> {
    await this.limits.search(
      this.client,
      () => ({
        query: windowQuery({ onOrAfter: null, before: null, userQuery: this.settings.query }),
        sort: sortByDateField(this.timestampField, 'asc'),
        _fields: { contact: this.fieldRequests.main },
        _limit: this.limits.pageSize,
        results_limit: 0,
        include_counts: true,
      }),
      signal,
    );
  }

  /**
   * Finds the oldest and newest `date_created` (sort asc/desc, `_limit: 1`) and the total (`include_counts`),
   * then bisects the span by time, counting each earlier half with `results_limit: 0`, into balanced windows
   * (with `rangesFor`: equal-width windows, no count; one window needs only the first probe).
   * Walking `date_updated` (incremental), the span starts at `options.changesSince` and the plan ends at a
   * fixed upper bound (see `planChangeWindows`).
   */
  async plan(options: PlanOptions, signal?: AbortSignal): Promise<SourcePlan> {
    const field = this.timestampField;
    const since = field === 'date_updated' ? (options.changesSince ?? null) : null;
    const query = windowQuery({
      field,
      onOrAfter: since?.at ?? null,
      before: null,
      userQuery: this.settings.query,
      excludeIds: since?.idsAtLast ?? [],
    });
    const ends = async (direction: 'asc' | 'desc', includeCounts: boolean) =>
      this.client.search<SourceRow>(
        {
          query,
          sort: sortByDateField(field, direction),
          _limit: 1,
          _fields: { contact: ['id', field] },
          ...(includeCounts ? { include_counts: true } : {}),
        },
        signal,
      );
    const oldest = await ends('asc', true);
    const first = oldest.data[0];
    const total = oldest.count?.total;
    if (field === 'date_updated') {
      const last = first ? ((await ends('desc', false)).data[0] ?? first) : undefined;
      const { ranges, until } = await planChangeWindows({
        field,
        since,
        oldestMicros: first ? keyOf(first, field).micros : null,
        newestMicros: last ? keyOf(last, field).micros : null,
        totalRows: first ? (total ?? 0) : 0,
        targetRows: options.targetRowsPerRange,
        count: (fromMicros, beforeMicros) => this.countWindow(fromMicros, beforeMicros, signal),
      });
      return { totalRows: first ? (total ?? 0) : 0, ranges, until };
    }
    if (!first || total === undefined || total === 0) {
      return { totalRows: total ?? 0, ranges: [{ kind: 'time', index: 0, from: null, before: null, estimatedRows: total ?? 0 }] };
    }
    const pieces = options.rangesFor?.(total);
    if (pieces === 1) return { totalRows: total, ranges: [{ kind: 'time', index: 0, from: null, before: null, estimatedRows: total }] };
    const last = (await ends('desc', false)).data[0] ?? first;
    const ranges = await splitTimeWindows({
      minMicros: keyOf(first).micros,
      maxMicros: keyOf(last).micros,
      totalRows: total,
      targetRows: options.targetRowsPerRange ?? defaultTargetRows(total),
      count: (fromMicros, beforeMicros) => this.countWindow(fromMicros, beforeMicros, signal),
      ...(pieces !== undefined ? { evenPieces: pieces } : {}),
    });
    return { totalRows: total, ranges };
  }

  private async countWindow(fromMicros: number, beforeMicros: number, signal?: AbortSignal): Promise<number> {
    // `_limit` is sent although no contact is asked for: Close's default page size is not documented, and
    // a server whose ceiling is below its own default would refuse a request that leaves it out.
    const response = await this.limits.search(
      this.client,
      () => ({
        query: windowQuery({
          field: this.timestampField,
          onOrAfter: formatIsoMicros(fromMicros),
          before: formatIsoMicros(beforeMicros),
          userQuery: this.settings.query,
        }),
        _limit: this.limits.pageSize,
        results_limit: 0,
        include_counts: true,
      }),
      signal,
    );
    if (response.count === undefined) {
      throw new BulkExportError('NO_COUNT', 'Close answered a search with include_counts without a "count"; balanced windows cannot be planned.');
    }
    return response.count.total;
  }

  /**
   * Pages of one window, in timestamp order (`date_created`, or `date_updated` for change exports), each
   * ending on a whole group of equal timestamps, from `cursor` (a `CloseCursor`; null = the window's
   * start, less the ids the window says were already written there) until the window is exhausted.
   *
   * A window ends when a walk brings nothing new and provably saw everything: it was a single short
   * page, or it excluded (by id) every contact already seen at its starting timestamp. Walks that
   * bring nothing new otherwise (the cap ran out, or the cursor died twice, among contacts already seen
   * at one timestamp) make the following walks at that timestamp exclude those ids, so each of them
   * makes progress; `MAX_WALKS_WITHOUT_PROGRESS` bounds the rest.
   */
  async *pages(range: ExportRange, cursor: SourceCursor | null, signal?: AbortSignal): AsyncIterable<SourcePage> {
    if (range.kind !== 'time') throw new BulkExportError('WRONG_RANGE_KIND', `Close ranges are date_created windows, got ${range.kind}.`);
    const field = this.timestampField;
    if ((range.field ?? 'date_created') !== field) {
      throw new BulkExportError('WRONG_RANGE_KIND', `This Close export walks ${field}, but the range slices ${range.field ?? 'date_created'}.`);
    }
    const bounds = windowBounds(range);
    if (bounds.fromMicros !== null && bounds.beforeMicros !== null && bounds.fromMicros >= bounds.beforeMicros) return;
    const grouped = new GroupedRows(cursor ?? startCursor(range, field), field);
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
      const sawEverything = exclude || (outcome.pages === 1 && outcome.served < outcome.limit);
      if (outcome.ended === 'complete' && sawEverything) break;
      walksWithoutProgress += 1;
      if (walksWithoutProgress > MAX_WALKS_WITHOUT_PROGRESS) {
        throw new BulkExportError(
          'NO_PROGRESS',
          `Close returned nothing new in ${walksWithoutProgress} walks of window ${JSON.stringify(range)} from ${JSON.stringify(grouped.restartMicros === null ? null : formatIsoMicros(grouped.restartMicros))}; ` +
            'the range goes back to its checkpoint (retried while it has attempts left).',
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
    const field = this.timestampField;
    const restart = grouped.restartMicros;
    const rawRows = this.options.rawRows ?? false;
    const asked: WalkRequest = {
      field,
      fromMicros: restart ?? bounds.fromMicros,
      beforeMicros: bounds.beforeMicros,
      excludedIds: new Set(exclude ? grouped.idsAtRestart : []),
    };
    const query = windowQuery({
      field,
      onOrAfter: asked.fromMicros !== null ? formatIsoMicros(asked.fromMicros) : null,
      before: bounds.before,
      userQuery: this.settings.query,
      excludeIds: [...asked.excludedIds],
    });
    const outcome: WalkOutcome = { newRows: 0, pages: 0, served: 0, limit: this.limits.pageSize, ended: 'complete' };
    let walkCursor: string | null = null;
    let previous = -Infinity;
    for (;;) {
      const cursor: string | null = walkCursor;
      let sent: { fields: string[]; limit: number } = { fields: [], limit: 0 };
      let response;
      try {
        response = await this.limits.search<SourceRow>(
          this.client,
          () => {
            sent = { fields: this.fieldRequests.main, limit: this.limits.pageSize };
            const body: CloseSearchBody = { query, sort: sortByDateField(field, 'asc'), _fields: { contact: sent.fields }, _limit: sent.limit };
            return cursor === null ? body : { ...body, cursor };
          },
          signal,
          { rawRows },
        );
      } catch (error) {
        if (cursor !== null && isCursorRefusal(error)) {
          outcome.ended = 'expired';
          return outcome;
        }
        throw error;
      }
      outcome.pages += 1;
      outcome.served += response.data.length;
      outcome.limit = sent.limit;
      const candidates: { keyed: KeyedRow; answer: ContactAnswer }[] = [];
      for (let index = 0; index < response.data.length; index++) {
        const row = response.data[index]!;
        const keyed = keyOf(row, field);
        if (keyed.micros < previous) {
          throw new BulkExportError(
            'UNSORTED_PAGE',
            `Close returned contact ${keyed.id} (${field} ${keyed.stamp}) after a later one: the walk is not sorted by ${field}, so keyset paging could skip rows.`,
          );
        }
        previous = keyed.micros;
        assertAsked(keyed, asked);
        if (grouped.isSeen(keyed.id, keyed.micros)) continue;
        const answer: ContactAnswer = { row };
        const raw = response.rawData?.[index];
        if (raw) answer.raw = raw;
        candidates.push({ keyed, answer });
      }
      const answers = await this.completed(
        candidates.map((candidate) => candidate.answer),
        sent.fields,
        signal,
      );
      candidates.forEach(({ keyed }, index) => {
        const answer = answers[index]!;
        const row = rawRows ? answer.row : this.reader.read(answer.row);
        const accepted: KeyedRow = { ...keyed, row };
        if (answer.raw) accepted.raw = answer.raw;
        if (grouped.accept(accepted)) outcome.newRows += 1;
      });
      const page = grouped.takePage();
      if (page) yield page;
      if (response.cursor === null) return outcome;
      walkCursor = response.cursor;
    }
  }

  /** The contacts with the fields that the walk's request (`sent`) did not carry, read by id. */
  private async completed(contacts: ContactAnswer[], sent: readonly string[], signal?: AbortSignal): Promise<ContactAnswer[]> {
    const asked = new Set(sent);
    const selectors = this.requestedFields.filter((name) => !asked.has(name));
    if (selectors.length === 0 || contacts.length === 0) return contacts;
    return completeContacts({ client: this.client, limits: this.limits, contacts, selectors, rawRows: this.options.rawRows ?? false, signal });
  }

  /**
   * Reads custom values into flat `custom.<id>` keys in their columns' shapes, for typed Parquet
   * columns. NDJSON parts are the API's own rows, so rows kept for them (`rawRows`) are not touched.
   */
  private get reader(): CustomValueReader {
    this.cachedReader ??= new CustomValueReader(this.customFieldKeys, this.customFields);
    return this.cachedReader;
  }
}

/** The cursor a window starts from when it has no checkpoint: after the ids it says were already written at `from`. */
function startCursor(range: TimeWindow, field: CloseTimestampField): SourceCursor | null {
  if (range.from === null || !range.afterIds || range.afterIds.length === 0) return null;
  const position: TimestampPosition = { at: range.from, idsAtLast: range.afterIds };
  return cursorOf(position, closeKeyset(field).positionKey);
}

function windowBounds(window: TimeWindow): WindowBounds {
  const parse = (value: string | null, name: string) => {
    if (value === null) return null;
    const micros = parseIsoMicros(value);
    if (micros === null)
      throw new BulkExportError('WRONG_RANGE_KIND', `The window's ${name} bound ${JSON.stringify(value)} is not an ISO 8601 instant.`);
    return micros;
  };
  return { fromMicros: parse(window.from, 'from'), beforeMicros: parse(window.before, 'before'), before: window.before };
}

/** What one walk's requests ask for that every answer can be checked against. */
interface WalkRequest {
  field: CloseTimestampField;
  /** `on_or_after` (the walk's restart, else the window's start); null = none. */
  fromMicros: number | null;
  /** `before` (the window's end); null = none. */
  beforeMicros: number | null;
  /** Ids the query leaves out (contacts already read at the restart instant). */
  excludedIds: ReadonlySet<string>;
}

/**
 * A contact outside the timestamp bounds the request sent, or one it excluded by id, shows that Close
 * ignored part of the query: skipping it would hide the fault (a window whose bound is ignored reads its
 * neighbours' contacts, and a range could end believing it saw everything), so the range fails instead.
 */
function assertAsked(keyed: KeyedRow, asked: WalkRequest): void {
  const below = asked.fromMicros !== null && keyed.micros < asked.fromMicros;
  const above = asked.beforeMicros !== null && keyed.micros >= asked.beforeMicros;
  if (below || above) {
    const bounds = [
      asked.fromMicros !== null ? `on or after ${formatIsoMicros(asked.fromMicros)}` : null,
      asked.beforeMicros !== null ? `before ${formatIsoMicros(asked.beforeMicros)}` : null,
    ].filter((bound) => bound !== null);
    throw new BulkExportError(
      'OUT_OF_RANGE',
      `Close returned contact ${keyed.id} with ${asked.field} ${keyed.stamp} although the request asked only for ${asked.field} ${bounds.join(' and ')}: ` +
        `the API ignored the window's ${below ? 'lower' : 'upper'} bound, so the export would write contacts twice or miss some. ` +
        'Nothing was written from this page; check that CLOSE_BASE_URL reaches the Close API directly, then run bulk-export retry for the export.',
    );
  }
  if (asked.excludedIds.has(keyed.id)) {
    throw new BulkExportError(
      'FILTER_IGNORED',
      `Close returned contact ${keyed.id} although the request excluded it by id (a negated "id" query): the API ignored part of the query, ` +
        'so the window could end before it was read whole. Nothing was written from this page; check that CLOSE_BASE_URL reaches the Close API directly, then run bulk-export retry for the export.',
    );
  }
}

/** The paging key of a row: its id and `date_created` (or `field`; requested in every `_fields`). */
export function keyOf(row: SourceRow, field: CloseTimestampField = 'date_created'): KeyedRow {
  const id = row.id;
  const stamp = row[field];
  const micros = typeof stamp === 'string' ? parseIsoMicros(stamp) : null;
  if (typeof id !== 'string' || typeof stamp !== 'string' || micros === null) {
    throw new BulkExportError(
      'UNEXPECTED_ROW',
      `Close returned a contact without a string id and an ISO 8601 ${field} (${JSON.stringify({ id, [field]: stamp })?.slice(0, 200)}), which every search asks for: ` +
        'contacts are paged by them, so nothing can be exported from this answer. Check that CLOSE_BASE_URL points at the Close API (https://api.close.com/api/v1), not at a proxy or another service.',
    );
  }
  return { row, id, micros, stamp };
}
